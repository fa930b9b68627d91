"""Browser tests of the handling steps' integrity (issue 22): a member
votes only for himself, a vote recorded for him waits for his
confirmation; a meeting shows its quorum before it is saved and is voided
with a reason; the assessment refuses a contradiction and reopens with
what was saved."""

import pytest

from reviews.models import Assessment, Meeting, Vote
from reviews.views import case_page_url

from .conftest import accept_case, items, to_deliberation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page, action):
    page.click(f"form[data-action={action}] button[type=submit]")
    page.wait_for_load_state()


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def _meeting(page, users, names):
    form = page.locator("form[data-action=deliberate]")
    for name in names:
        form.locator(f"input[name=members_present][value='{users[name].pk}']").check()
    _submit(page, "deliberate")


def test_vote_only_for_himself_and_recorded_votes_confirmed(world, page, login):
    """周杰 (not the minute-taker) is offered no member to vote for; 孙丽,
    who recorded the meeting, records 吴敏's vote, which the table shows as
    recorded by her and awaiting 吴敏; 吴敏 confirms it."""
    users = world["users"]
    case = to_deliberation(accept_case(users), users)
    url = case_page_url(case.pk)
    login("committee1")
    page.goto(url)
    _meeting(page, users, ("committee1", "committee2", "committee3"))

    login("committee2")
    page.goto(url)
    form = page.locator("form[data-action=vote]")
    assert form.locator("select[name=member]").count() == 0
    form.locator("select[name=result]").select_option("exempt")
    _submit(page, "vote")
    assert Vote.objects.get(member=users["committee2"]).recorded_by == users["committee2"]

    login("committee1")
    page.goto(url)
    form = page.locator("form[data-action=vote]")
    form.locator("select[name=member]").select_option(str(users["committee3"].pk))
    form.locator("select[name=result]").select_option("mitigated")
    _submit(page, "vote")
    row = page.locator("table.votes tr", has_text="吴敏")
    assert "孙丽代为记录" in row.inner_text() and "待本人确认" in row.inner_text()

    login("committee3")
    page.goto(url)
    assert "孙丽代您记录的表决" in page.locator("#confirm-vote").inner_text()
    _submit(page, "confirm_vote")
    assert "您的表决已确认" in _message(page)
    row = page.locator("table.votes tr", has_text="吴敏")
    assert "本人已确认" in row.inner_text()
    assert Vote.objects.get(member=users["committee3"]).confirmed_at is not None


def test_meeting_quorum_before_saving_and_void_with_reason(world, page, login):
    """With one member ticked the form says the quorum is not reached and
    cannot be sent; with two it can. The meeting is then voided with a
    reason: it stays on the page marked void, and a new one can be
    recorded."""
    users = world["users"]
    case = to_deliberation(accept_case(users), users)
    login("committee1")
    page.goto(case_page_url(case.pk))
    form = page.locator("form[data-action=deliberate]")
    status = form.locator(".quorum-status")
    form.locator(f"input[name=members_present][value='{users['committee1'].pk}']").check()
    assert "尚未达到法定人数" in status.inner_text() and "已选1人" in status.inner_text()
    assert form.locator("button[type=submit]").is_disabled()
    form.locator(f"input[name=members_present][value='{users['committee2'].pk}']").check()
    assert "已达法定人数" in status.inner_text()
    _submit(page, "deliberate")
    assert "会议已记录" in _message(page)

    page.locator("form[data-action=void_meeting]").locator("xpath=ancestor::details[1]/summary").click()
    page.fill("form[data-action=void_meeting] input[name=reason]", "出席人员勾选有误")
    _submit(page, "void_meeting")
    assert "会议记录已作废" in _message(page)
    meeting = page.locator("article.meeting.voided")
    assert "已作废" in meeting.inner_text() and "出席人员勾选有误" in meeting.inner_text()
    assert page.locator("form[data-action=deliberate]").count() == 1
    assert Meeting.objects.get(case=case).void_reason == "出席人员勾选有误"
    assert case.events.filter(kind="meeting_voided").exists()


def test_assessment_refuses_contradiction_and_reopens_with_saved(world, page, login):
    """Condition 出于公心 met with 谋取私利 ticked is refused with both named
    and nothing saved; an empty 负面清单比对理由 is refused; saved, the form
    reopens with every saved value."""
    users = world["users"]
    case = accept_case(users)
    from reviews import services

    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"],
                                                                           users["inspector2"]])
    login("inspector1")
    page.goto(case_page_url(case.pk))
    form = page.locator("form[data-action=assess]")
    for cond in items(case, "condition"):
        form.locator(f"input[name=cond-{cond.pk}][value=met]").check()
    form.locator("select[name=positive_item]").select_option(str(items(case, "positive")[0].pk))
    negative = items(case, "negative")[0]
    form.locator(f"input[name=negative_items][value='{negative.pk}']").check()
    for area in form.locator("textarea").all():
        if area.get_attribute("name") != "negative_note":
            area.fill("经核实属实。")
    # An empty 负面清单比对理由 is refused by the form (required) and the
    # service (tests/reviews/test_review_services.py).
    assert form.locator("textarea[name=negative_note]").get_attribute("required") is not None
    form.locator("textarea[name=negative_note]").fill("经比对负面清单。")
    _submit(page, "assess")
    message = _message(page)
    assert "出于公心" in message and "谋取私利" in message and "矛盾" in message
    assert not Assessment.objects.filter(case=case).exists()

    form = page.locator("form[data-action=assess]")
    form.locator(f"input[name=negative_items][value='{negative.pk}']").uncheck()
    form.locator("textarea[name=negative_note]").fill("未发现负面清单所列情形。")
    _submit(page, "assess")
    assert "比对评估已保存" in _message(page)

    page.reload()
    form = page.locator("form[data-action=assess]")
    form.locator("xpath=ancestor::details[1]/summary").click()
    first = items(case, "condition")[0]
    assert form.locator(f"input[name=cond-{first.pk}][value=met]").is_checked()
    assert form.locator(f"textarea[name=cond-{first.pk}-reason]").input_value() == "经核实属实。"
    assert form.locator("textarea[name=negative_note]").input_value() == "未发现负面清单所列情形。"
    assert form.locator("select[name=positive_item]").input_value() == str(items(case, "positive")[0].pk)
