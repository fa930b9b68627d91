"""In a browser: an admin publishes a ruled case, the public sees it on the
portal without the applicant's name; withdrawn, the portal says so."""

import pytest

from publication.models import Publication

pytestmark = pytest.mark.django_db(transaction=True)


def test_publish_then_withdraw(ruled_case, users, page, login):
    """Prepare, check the marked redactions, publish; the anonymous portal
    lists it without 张伟; withdraw with a reason; the page says withdrawn."""
    login("admin")
    page.goto("/publication/")
    page.click(f"form[action='/publication/cases/{ruled_case.pk}/draft/'] button[type=submit]")
    page.wait_for_url("**/publication/*/")
    assert page.locator("mark.redaction").count() >= 3
    assert page.locator("#leak-check-ok").is_visible()
    page.click("form[action$='/publish/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#publication-status").inner_text() == "已公开"
    publication = Publication.objects.get()

    page.context.clear_cookies()
    page.goto("/public/outcomes/")
    assert page.locator(".outcome-card").count() == 1
    assert "张伟" not in page.content()
    page.click(".outcome-card h3 a")
    page.wait_for_url(f"**/public/outcomes/{publication.slug}/")
    assert "予以容错" in page.locator(".publication-text").inner_text()
    assert "张伟" not in page.content() and "/cases/" not in page.content()

    login("admin")
    page.goto(f"/publication/{publication.pk}/")
    page.fill("textarea[name=reason]", "当事人申请复核，暂停公开")
    page.click("form[action$='/withdraw/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#publication-status").inner_text() == "已撤回"

    page.context.clear_cookies()
    page.goto(f"/public/outcomes/{publication.slug}/")
    assert page.locator("#withdrawn-notice").is_visible()
    assert page.locator(".publication-text").count() == 0
    page.goto("/public/outcomes/")
    assert page.locator(".outcome-card").count() == 0
