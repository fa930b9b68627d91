"""The adoption page in a real browser (headless Chromium, issue 16): the
county's administrator picks Kunming's shipped catalogue, sees what will
be copied, names his own 办法, adopts, and confirms one copied item on the
draft's page, whose mark then goes."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from policies.models import Certainty, PolicyVersion

from .test_adopt_template import OWN_TITLE, county  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_adopt_preview_and_confirm_one_item(county, page, live_server):  # noqa: F811
    template = county["template"]
    # The admin site's own login asks for a second factor: the session is
    # made here, the browser carries it.
    client = Client()
    client.force_login(county["xa_admin"])
    context = page.context.browser.new_context(locale="zh-CN", base_url=live_server.url)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    p = context.new_page()
    p.set_default_timeout(15000)
    p.goto(reverse("admin:policies_jurisdiction_change", args=[county["jurisdiction"].pk]))
    p.click(f"a[href='{reverse('admin:policies_jurisdiction_adopt', args=[county['jurisdiction'].pk])}']")
    p.check(f"#adopt-choose input[value='{template.pk}']")
    p.click("#adopt-choose input[type=submit]")
    p.wait_for_load_state()
    total = template.items.count() + template.time_limits.count()
    assert p.inner_text("#adopt-unconfirmed") == str(total)
    assert p.inner_text("#adopt-count-positive") == str(template.items.filter(kind="positive").count())
    assert "correction" in p.inner_text("#adopt-procedure")
    # The title is required (the browser asks before submitting; the
    # server's Chinese refusal is tested without a browser).
    assert p.get_attribute("#id_title", "required") is not None
    assert not PolicyVersion.objects.filter(document__jurisdiction=county["jurisdiction"]).exists()
    p.fill("#id_title", OWN_TITLE)
    p.click("#adopt-form input[type=submit]")
    p.wait_for_load_state()
    draft = PolicyVersion.objects.get(document__jurisdiction=county["jurisdiction"])
    assert p.url.endswith(reverse("admin:policies_policyversion_change", args=[draft.pk]))
    item = draft.items.get(kind="positive", number=1)
    row = p.locator(f"#taken-{item.pk}")
    assert "参照同类规定拟定（待核定）" in row.inner_text() and f"取自《{template.document.title}》" in row.inner_text()
    row.locator("input[name=article]").fill("第六条（一）")
    row.locator("button[type=submit]").click()
    p.wait_for_load_state()
    item.refresh_from_db()
    assert item.certainty == Certainty.VERBATIM and item.article == "第六条（一）"
    assert p.locator(f"#taken-{item.pk}").count() == 0
    assert p.locator("#taken-items tbody tr").count() == draft.items.count() - 1
    context.close()
