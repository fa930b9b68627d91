import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_under_the_csp(world, page, login):
    """/api/docs/ draws the operations with the assets served locally and no
    CSP violation (Swagger UI's init script is a file, not inline)."""
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    login("intake")
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=20000)
    assert page.locator(".opblock").count() > 20
    assert "/api/v1/cases/" in page.content()
    assert violations == []
