"""Who may take each step, stage by stage (the registered actions that the
services check and the case page shows)."""

import pytest

from cases.services import case_actions_for_user
from reviews import services
from reviews.models import Result

from .conftest import accept_case, review_members, to_defence, to_deliberation, to_ruled

pytestmark = pytest.mark.django_db

MINE = {
    "assign", "record_interview", "record_evidence", "assess", "preliminary_report", "defend", "waive_defence",
    "add_testimony", "record_assessment_report", "record_hearing", "deliberate", "rule", "feedback",
    "file_report", "request_review", "decide_review",
}
INSPECTING = {"record_interview", "record_evidence", "assess", "preliminary_report"}
COMMITTEE = ("committee1", "committee2", "committee3")


def _table(case, users):
    out = {}
    for name, user in users.items():
        actions = set(case_actions_for_user(case=case, user=user)) & MINE
        if actions:
            out[name] = actions
    return out


def test_verification(users):
    """At verification: the supervisor assigns; only the assigned
    inspectors record, assess and report."""
    case = accept_case(users)
    assert _table(case, users) == {"supervisor": {"assign"}}
    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
    assert _table(case, users) == {"supervisor": {"assign"}, "inspector1": INSPECTING, "inspector2": INSPECTING}


def test_defence_and_deliberation(users):
    """At defence the applicant defends or waives; at deliberation only the
    committee meets and rules."""
    case = to_defence(accept_case(users), users)
    steps = {"record_assessment_report", "record_hearing"}
    inspector = {"waive_defence", "add_testimony", *steps}
    expected = {"applicant": {"defend", "waive_defence", "add_testimony"}, "inspector1": inspector,
                "inspector2": inspector} | {m: steps for m in COMMITTEE}
    assert _table(case, users) == expected
    case = to_deliberation(accept_case(users), users)
    expected = {"applicant": {"add_testimony"}, "inspector1": {"add_testimony", *steps},
                "inspector2": {"add_testimony", *steps}} | {m: {"deliberate", *steps} for m in COMMITTEE}
    # The ruling is ready once the meeting is recorded (reviews/steps/):
    # the API no longer offers it before, as the page never did.
    assert _table(case, users) == expected


def test_ruled_and_review(users, world):
    """Once ruled: the applicant may ask for a review, the committee and
    supervisor record feedback and filing; under review only members who
    did not vote decide."""
    case = to_ruled(accept_case(users), users)
    notify = {"feedback", "file_report"}
    assert _table(case, users) == {"applicant": {"request_review"}, "supervisor": notify} | {
        m: notify for m in COMMITTEE}
    services.case_request_review(case=case, actor=users["applicant"], reasons="不服")
    case.refresh_from_db()
    others = review_members(world, n=2)
    everyone = {**users, **{u.username: u for u in others}}
    # They meet first; the decision is ready once the meeting is recorded.
    assert _table(case, everyone) == {u.username: {"deliberate"} for u in others}


def test_refused_step_changes_nothing(users):
    """A refused step (the applicant ruling on his own case) raises 403 and
    writes no event."""
    from core.exceptions import ApplicationError

    case = to_deliberation(accept_case(users), users)
    before = case.events.count()
    with pytest.raises(ApplicationError) as exc:
        services.case_rule(case=case, actor=users["applicant"], result=Result.EXEMPT, reasons="x")
    assert exc.value.status_code == 403 and case.events.count() == before
