"""A small world for the schema fuzz (issue 15): one case in each stage of
the flow, made through the real services (with their history, clocks,
letters, result uses), a registered pre-filing, so that a staff role's
requests meet objects it may act on instead of 404s.

``known_ids(case)`` gives the path ids that belong together for a case
(its attachment, its clock, one of its letters), so that a request such as
``/cases/{case_id}/attachments/{attachment_id}/`` names a real pair."""

import datetime as dt

from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from prefilings.demo import build_demo_prefiling
from reviews import services as review_services
from tests.cases.conftest import fill_draft
from tests.corrections.conftest import do
from tests.reviews.conftest import accept_case, to_defence, to_deliberation, to_ruled


def _draft(users, title="校舍改造项目程序瑕疵申请容错"):
    case = case_services.case_create(actor=users["applicant"], title=title)
    fill_draft(case, users["applicant"])
    return case


def build_fuzz_world(users) -> dict[str, Case]:
    """stage name -> a case at that stage (all 怀来县, filed by
    ``applicant``, so every 怀来县 role meets each)."""
    cases = {"draft": _draft(users)}
    unit_review = _draft(users, "乡村道路硬化工程先行先试申请容错")
    cases["unit_review"] = case_services.case_submit(case=unit_review, actor=users["applicant"])
    submitted = _draft(users, "应急采购未履行招标程序申请容错")
    case_services.case_submit(case=submitted, actor=users["applicant"])
    cases["submitted"] = case_services.case_unit_forward(
        case=submitted, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
        participants="王芳、李明", opinion="同意报送。")
    supplement = _draft(users, "老旧小区改造调整资金用途申请容错")
    case_services.case_submit(case=supplement, actor=users["applicant"])
    case_services.case_unit_forward(case=supplement, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    case_services.case_request_supplement(case=supplement, actor=users["intake"], missing="请补充会议纪要。")
    cases["supplement"] = supplement
    cases["verification"] = accept_case(users)
    cases["defence"] = to_defence(accept_case(users), users)
    deliberation = to_deliberation(accept_case(users), users)
    review_services.meeting_record(case=deliberation, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                   members_present=[users[m] for m in ("committee1", "committee2", "committee3")])
    cases["deliberation"] = deliberation
    cases["ruled"] = to_ruled(accept_case(users), users)
    review = to_ruled(accept_case(users), users)
    review_services.case_request_review(case=review, actor=users["applicant"], reasons="认定依据不充分，申请复核。")
    cases["review"] = review
    correction = to_ruled(accept_case(users), users)
    for step in ("start_correction", "send_correction_notice", "record_talk", "add_rectification_task",
                 "submit_rectification_report"):
        do(step, correction, users)
    cases["correction"] = correction
    clarification = to_ruled(accept_case(users), users)
    for step in ("skip_correction", "request_clarification"):
        do(step, clarification, users)
    cases["clarification"] = clarification
    closed = to_ruled(accept_case(users), users)
    for step in ("skip_correction", "skip_clarification", "close"):
        do(step, closed, users)
    cases["closed"] = closed
    for case in cases.values():
        case.refresh_from_db()
    return cases


def build_fuzz_prefiling(world):
    return build_demo_prefiling(world)


def known_ids(case: Case) -> dict:
    """Path ids that go together with ``case``."""
    ids = {"case_id": case.pk}
    attachment = case.attachments.order_by("pk").values_list("pk", flat=True).first()
    if attachment:
        ids["attachment_id"] = attachment
    clock = case.clocks.order_by("status", "pk").values_list("pk", flat=True).first()
    if clock:
        ids["clock_id"] = clock
    return ids


def today():
    return timezone.localdate()
