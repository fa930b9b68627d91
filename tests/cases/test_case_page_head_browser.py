"""The case page in a browser (issue 22): a head with the stage, the due
date and the user's next step that stays in view; sections to jump
between; each role lands on his own step (the committee member on the
meeting form, the applicant after the ruling on 申请复核)."""

import pytest

from reviews.views import case_page_url
from tests.reviews.conftest import accept_case, to_deliberation, to_ruled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_view(page, selector) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                      return r.top < window.innerHeight && r.bottom > 0; }""", selector)


def test_committee_member_lands_on_the_meeting_form(world, page, login):
    users = world["users"]
    case = to_deliberation(accept_case(users), users)
    login("committee1")
    page.goto(case_page_url(case.pk))
    head = page.locator("#case-head")
    assert "集体研究" in head.inner_text() or "认定" in head.inner_text()
    assert "您的下一步" in page.locator("#case-next").inner_text()
    sections = page.locator("#case-sections a").all_inner_texts()
    for name in ("申请材料", "证据材料", "核实", "集体研究与认定", "办理过程"):
        assert name in sections, sections
    # Landed on the meeting form, far down the page, with the head above it.
    assert _in_view(page, "form[data-action=deliberate]")
    assert page.evaluate("window.scrollY") > 300
    assert _in_view(page, "#case-head")
    page.click("#case-sections a:text('申请材料')")
    assert _in_view(page, "#sec-application") and _in_view(page, "#case-head")


def test_applicant_after_the_ruling_is_led_to_the_review_request(world, page, login):
    users = world["users"]
    case = to_ruled(accept_case(users), users)
    login("applicant")
    page.goto(case_page_url(case.pk))
    next_step = page.locator("#case-next")
    assert "申请复核" in next_step.inner_text()
    assert "申请复核期限" in page.locator("#case-due").inner_text()
    form = page.locator("form[data-action=request_review]")
    assert form.is_visible() and _in_view(page, "form[data-action=request_review]")
    page.evaluate("window.scrollTo(0, 0)")
    next_step.locator("a", has_text="申请复核").click()
    assert _in_view(page, "form[data-action=request_review]")
