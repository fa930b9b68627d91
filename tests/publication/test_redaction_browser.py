"""In a browser (issue 22): the draft hides the other people named in the
facts (李堃, 王𠮷祥), and with 隐去单位名称 the unit's short form 县教育局;
a name left in the attached PDF fails the leak check, which says where,
and publishing is refused until it is gone."""

import pytest

from publication.models import Publication

from .conftest import bring_to_verification, rule, text_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FACTS = "县教育局在未完成招标备案的情况下先行采购，副局长李堃签批，王𠮷祥组织了验收。"


def test_every_name_hidden_and_leak_check_says_where(users, identified, page, login, tmp_path):
    case = bring_to_verification(users, facts=FACTS)
    rule(case, users)
    login("admin")
    page.goto("/publication/")
    page.click(f"form[action='/publication/cases/{case.pk}/draft/'] button[type=submit]")
    page.wait_for_url("**/publication/*/")
    hidden = page.locator(".publication-preview mark.redaction").all_inner_texts()
    hidden_titles = [m.get_attribute("title") or "" for m in page.locator(".publication-preview mark.redaction").all()]
    assert any("李堃" in t for t in hidden + hidden_titles)
    assert any("王𠮷祥" in t for t in hidden + hidden_titles)
    assert page.locator("#leak-check-ok").is_visible()

    page.check("input[name=redact_unit]")
    pdf = tmp_path / "附件.pdf"
    pdf.write_bytes(text_pdf("经查，县教育局副局长赵国强对此知情。").read())
    page.set_input_files("input[name=pdf]", str(pdf))
    page.click("form[action$='/edit/'] button[type=submit]")
    page.wait_for_load_state()
    leaks = page.locator("#leaks").inner_text()
    assert "赵国强" in leaks and "第1页" in leaks and "县教育局" in leaks
    page.click("form[action$='/publish/'] button[type=submit]")
    page.wait_for_load_state()
    assert "赵国强" in page.locator(".messages").inner_text()
    assert Publication.objects.get().status == Publication.Status.DRAFT

    page.check("input[name=remove_pdf]")
    page.click("form[action$='/edit/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#leak-check-ok").is_visible()
    page.click("form[action$='/publish/'] button[type=submit]")
    page.wait_for_load_state()
    publication = Publication.objects.get()
    page.context.clear_cookies()
    page.goto(f"/public/outcomes/{publication.slug}/")
    text = page.locator(".publication-text").inner_text()
    for name in ("李堃", "王𠮷祥", "县教育局", "张伟"):
        assert name not in text, name
    assert "先行采购" in text
