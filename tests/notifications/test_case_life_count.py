"""One case's whole life sends its applicant at most a dozen notifications
(issue 22: 41 unread for one case), each letter's names the document, the
补正 notice gives its deadline. The case is driven through the real
services: filing, unit review, a supplement and its answer, acceptance,
verification, defence, deliberation, the ruling and a review; every event
is then notified as the worker would, and every letter rendered."""

import datetime as dt

import pytest

from cases import services as case_services
from cases.models import CaseEvent
from letters.models import Letter
from letters.services import letter_render
from notifications.models import Notification
from notifications.services import case_event_notify
from reviews import services
from tests.reviews.conftest import fill_draft, items, review_members, to_defence, vote_all

pytestmark = pytest.mark.django_db


def _deliver(case):
    """What the worker does after each commit: render the letters, then
    notify each event once, in order."""
    for letter in Letter.objects.filter(case=case, status="pending").order_by("id"):
        letter_render(letter_id=letter.pk)
    for pk in CaseEvent.objects.filter(case=case).order_by("id").values_list("pk", flat=True):
        case_event_notify(event_id=pk)


def test_whole_life_sends_the_applicant_at_most_a_dozen(users, world):
    applicant = users["applicant"]
    case = case_services.case_create(actor=applicant, title="校舍改造项目程序瑕疵申请容错")
    fill_draft(case, applicant)
    case_services.case_submit(case=case, actor=applicant)
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    request = case_services.case_request_supplement(case=case, actor=users["intake"], missing="请补充会议纪要。")
    _deliver(case)
    supplement = Notification.objects.filter(recipient=applicant, kind="supplement_requested").get()
    due = request.due_date
    assert f"{due.year}年{due.month}月{due.day}日" in supplement.message

    case_services.case_supplement(case=case, actor=applicant, answer="已补充。")
    case_services.case_accept(case=case, actor=users["intake"])
    _deliver(case)
    case.refresh_from_db()
    to_defence(case, users)
    _deliver(case)
    services.case_defend(case=case, actor=applicant, text="本人申辩如下。")
    vote_all(case, users)
    services.case_rule(case=case, actor=users["committee1"], result="exempt", reasons="符合容错条件。",
                       applied_items=items(case, "positive")[:1])
    _deliver(case)
    services.case_request_review(case=case, actor=applicant, reasons="认定事实有误")
    others = review_members(world)
    services.meeting_record(case=case, actor=others[0], held_on=dt.date(2026, 1, 20), members_present=others)
    for member in others:
        services.vote_record(case=case, actor=member, result="exempt", opinion="维持")
    services.case_decide_review(case=case, actor=others[0], result="exempt", reasons="维持原认定。")
    _deliver(case)

    notes = list(Notification.objects.filter(recipient=applicant, case=case).order_by("id"))
    summary = "\n".join(f"{n.kind}: {n.message}" for n in notes)
    print(f"\n{len(notes)} notifications for the applicant:\n{summary}")  # noqa: T201
    assert len(notes) <= 12, summary
    by_kind = {n.kind: n.message for n in notes}
    assert "申辩期限" in by_kind["preliminary_report"], summary
    assert "复核期限" in by_kind["ruled"] or "申请复核期限" in by_kind["ruled"], summary
    # Letters are named: no bare "document generated".
    letters = [n for n in notes if "文书" in n.message]
    assert letters and all("《" in n.message for n in letters), summary
