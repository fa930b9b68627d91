"""Filing, unit review and intake services: every transition, legal and
illegal, with its history event."""

import datetime as dt

import pytest
import time_machine

from cases import services
from cases.models import Attachment, CaseEvent, Outcome, Stage
from core.exceptions import ApplicationError
from deadlines.models import Clock

from .conftest import fill_draft, pdf

pytestmark = pytest.mark.django_db

ALL_ACTIONS = {
    "submit": lambda c, u: services.case_submit(case=c, actor=u),
    "withdraw": lambda c, u: services.case_withdraw(case=c, actor=u, reason="不再申请"),
    "unit_forward": lambda c, u: services.case_unit_forward(
        case=c, actor=u, meeting_date=dt.date(2026, 1, 5), participants="甲、乙", opinion="同意"),
    "unit_return": lambda c, u: services.case_unit_return(case=c, actor=u, reason="材料不全"),
    "accept": lambda c, u: services.case_accept(case=c, actor=u),
    "request_supplement": lambda c, u: services.case_request_supplement(case=c, actor=u, missing="会议纪要"),
    "supplement": lambda c, u: services.case_supplement(case=c, actor=u, answer="已补充"),
    "not_accept": lambda c, u: services.case_not_accept(case=c, actor=u, reason="不属于受理范围"),
}
ACTOR_FOR = {
    "submit": "applicant", "withdraw": "applicant", "unit_forward": "unit_reviewer",
    "unit_return": "unit_reviewer", "accept": "intake", "request_supplement": "intake",
    "supplement": "applicant", "not_accept": "intake",
}
LEGAL_FROM = {
    "submit": {Stage.DRAFT},
    "withdraw": {Stage.DRAFT, Stage.UNIT_REVIEW, Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.VERIFICATION,
                 Stage.DEFENCE, Stage.DELIBERATION},
    "unit_forward": {Stage.UNIT_REVIEW},
    "unit_return": {Stage.UNIT_REVIEW},
    "accept": {Stage.SUBMITTED},
    "request_supplement": {Stage.SUBMITTED},
    "supplement": {Stage.SUPPLEMENT},
    "not_accept": {Stage.SUBMITTED, Stage.SUPPLEMENT},
}


def _events(case):
    return list(CaseEvent.objects.filter(case=case).values_list("kind", "from_stage", "to_stage"))


class TestFiling:
    def test_create_draft_fixes_policy_version(self, users, world):
        """A draft is judged under the policy in force for the unit."""
        case = services.case_create(actor=users["applicant"], title="申请")
        assert case.stage == Stage.DRAFT and case.number == ""
        assert case.policy_version == world["policy"]
        assert case.jurisdiction == world["units"]["huailai"]
        assert _events(case) == [("created", "draft", "draft")]

    def test_only_applicants_of_the_unit_file(self, users):
        """An intake officer holds no applicant role: he cannot file."""
        with pytest.raises(ApplicationError, match="申请人角色"):
            services.case_create(actor=users["intake"], title="x")

    def test_submit_refuses_incomplete_and_says_what_is_missing(self, users):
        """Submission checks required parts and changes nothing when refused."""
        case = services.case_create(actor=users["applicant"], title="申请")
        with pytest.raises(ApplicationError) as exc:
            services.case_submit(case=case, actor=users["applicant"])
        assert exc.value.code == "incomplete"
        assert "事实与理由" in exc.value.extra["missing"]
        case.refresh_from_db()
        assert case.stage == Stage.DRAFT and case.number == ""

    def test_collective_decision_needs_minutes(self, draft, users):
        """Claiming a collective procedure requires its minutes as evidence."""
        services.case_update(case=draft, actor=users["applicant"], collective_decision=True)
        with pytest.raises(ApplicationError, match="会议纪要"):
            services.case_submit(case=draft, actor=users["applicant"])
        services.attachment_add(case=draft, actor=users["applicant"], file=pdf("纪要.pdf"),
                                kind=Attachment.Kind.MINUTES)
        services.case_submit(case=draft, actor=users["applicant"])

    def test_submit_numbers_locks_files_and_starts_unit_review_clock(self, draft, users):
        """Submission allocates 怀容〔year〕第0001号, locks files, opens the unit-review clock."""
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
            services.case_submit(case=draft, actor=users["applicant"])
        draft.refresh_from_db()
        assert draft.stage == Stage.UNIT_REVIEW
        assert draft.number == "怀容〔2026〕第0001号"
        assert all(a.locked for a in draft.attachments.all())
        clock = Clock.objects.get(case=draft)
        assert clock.stage == "unit_review" and clock.due_date == dt.date(2026, 3, 9)
        assert _events(draft)[-1] == ("submitted", "draft", "unit_review")

    def test_unit_application_skips_unit_review(self, users, world):
        """A unit's own application carries its self-check and goes to intake."""
        case = services.case_create(actor=users["applicant"], origin="unit", title="单位申请")
        fill_draft(case, users["applicant"])
        with pytest.raises(ApplicationError, match="自查"):
            services.case_submit(case=case, actor=users["applicant"])
        items = case.policy_version.items
        services.case_update(case=case, actor=users["applicant"], self_check={
            "conditions": {str(i.pk): True for i in items.filter(kind="condition")},
            "negative": {str(i.pk): False for i in items.filter(kind="negative")},
        })
        services.case_submit(case=case, actor=users["applicant"])
        case.refresh_from_db()
        assert case.stage == Stage.SUBMITTED
        assert Clock.objects.get(case=case).stage == "intake"

    def test_scenario_must_come_from_the_version(self, users, world):
        """A scenario of another policy version is refused."""
        foreign = world["km_policy"].items.filter(kind="positive").first()
        case = services.case_create(actor=users["applicant"], title="申请")
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            services.case_update(case=case, actor=users["applicant"], claimed_scenarios=[foreign])

    def test_only_the_filer_edits_a_draft(self, draft, users):
        """Another applicant cannot edit someone's draft."""
        with pytest.raises(ApplicationError):
            services.case_update(case=draft, actor=users["applicant2"], title="x")


class TestUnitReviewAndIntake:
    def test_forward_then_accept(self, submitted, users):
        """Forwarding records the meeting; acceptance moves to verification."""
        assert submitted.stage == Stage.SUBMITTED
        review = submitted.unit_reviews.get()
        assert review.decision == "forward" and review.participants == "王芳、李明、赵雷"
        services.case_accept(case=submitted, actor=users["intake"])
        submitted.refresh_from_db()
        assert submitted.stage == Stage.VERIFICATION and submitted.accepted_at
        stages = set(Clock.objects.filter(case=submitted).values_list("stage", "status"))
        assert {("unit_review", "stopped"), ("intake", "stopped"), ("verification", "running")} <= stages

    def test_unit_return_goes_back_to_draft_and_keeps_number(self, draft, users):
        """A returned application is a draft again, editable, with its number."""
        services.case_submit(case=draft, actor=users["applicant"])
        number = Stage and draft.__class__.objects.get(pk=draft.pk).number
        services.case_unit_return(case=draft, actor=users["unit_reviewer"], reason="请补充会议纪要")
        draft.refresh_from_db()
        assert draft.stage == Stage.DRAFT and draft.number == number
        services.case_update(case=draft, actor=users["applicant"], impact="已挽回")
        services.case_submit(case=draft, actor=users["applicant"])
        draft.refresh_from_db()
        assert draft.number == number

    def test_unit_return_needs_reason(self, draft, users):
        """Returning without reasons is refused and changes nothing."""
        from django.core.exceptions import ValidationError

        services.case_submit(case=draft, actor=users["applicant"])
        with pytest.raises(ValidationError):
            services.case_unit_return(case=draft, actor=users["unit_reviewer"], reason="  ")
        draft.refresh_from_db()
        assert draft.stage == Stage.UNIT_REVIEW

    def test_supplement_pauses_and_resumes_intake_clock(self, submitted, users):
        """补正 pauses the intake clock; the answer resumes it and the due
        date moves by the paused working days."""
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
            clock = Clock.objects.get(case=submitted, stage="intake")
            clock.started_on = dt.date(2026, 3, 2)
            clock.save()
            from deadlines.services import clock_recompute

            clock_recompute(clock=clock)
            clock.refresh_from_db()
            assert clock.due_date == dt.date(2026, 3, 9)
            req = services.case_request_supplement(case=submitted, actor=users["intake"], missing="集体研究会议纪要")
        assert req.due_date == dt.date(2026, 3, 16)  # 10 working days
        clock.refresh_from_db()
        assert clock.status == "paused" and clock.due_date is None
        submitted.refresh_from_db()
        assert submitted.stage == Stage.SUPPLEMENT
        # Answered on Thursday: Tue, Wed, Thu (3 working days) were paused.
        with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC), tick=False):
            services.attachment_add(case=submitted, actor=users["applicant"], file=pdf("纪要.pdf"))
            services.case_supplement(case=submitted, actor=users["applicant"], answer="已补充会议纪要")
        clock.refresh_from_db()
        submitted.refresh_from_db()
        assert clock.status == "running" and clock.due_date == dt.date(2026, 3, 12)
        assert submitted.stage == Stage.SUBMITTED
        assert submitted.attachments.filter(kind="supplement").count() == 1

    def test_not_accept_closes_with_reason(self, submitted, users):
        """不予受理 closes the case with the reason; clocks stop."""
        services.case_not_accept(case=submitted, actor=users["intake"], reason="不属于容错适用范围")
        submitted.refresh_from_db()
        assert submitted.stage == Stage.CLOSED and submitted.outcome == Outcome.NOT_ACCEPTED
        assert not Clock.objects.filter(case=submitted).exclude(status="stopped").exists()
        ev = submitted.events.filter(kind="not_accepted").get()
        assert ev.kind == "not_accepted" and ev.reason == "不属于容错适用范围" and ev.actor == users["intake"]

    def test_withdraw_closes(self, submitted, users):
        """The applicant withdraws before the ruling; the case closes."""
        services.case_withdraw(case=submitted, actor=users["applicant"], reason="问题已澄清")
        submitted.refresh_from_db()
        assert submitted.stage == Stage.CLOSED and submitted.outcome == Outcome.WITHDRAWN

    def test_intake_of_other_jurisdiction_refused(self, submitted, users):
        """昆明's intake officer cannot act on a 怀来 case."""
        with pytest.raises(ApplicationError) as exc:
            services.case_accept(case=submitted, actor=users["km_intake"])
        assert exc.value.status_code == 403


def _case_at(stage, users):
    """A case brought to ``stage`` through the services."""
    case = services.case_create(actor=users["applicant"], title="申请")
    fill_draft(case, users["applicant"])
    if stage == Stage.DRAFT:
        return case
    services.case_submit(case=case, actor=users["applicant"])
    if stage == Stage.UNIT_REVIEW:
        return case
    ALL_ACTIONS["unit_forward"](case, users["unit_reviewer"])
    if stage == Stage.SUBMITTED:
        return case
    if stage == Stage.SUPPLEMENT:
        ALL_ACTIONS["request_supplement"](case, users["intake"])
        return case
    if stage == Stage.VERIFICATION:
        ALL_ACTIONS["accept"](case, users["intake"])
        return case
    if stage == Stage.CLOSED:
        ALL_ACTIONS["not_accept"](case, users["intake"])
        return case
    raise AssertionError(stage)


STAGES = [Stage.DRAFT, Stage.UNIT_REVIEW, Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.VERIFICATION, Stage.CLOSED]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("action", list(ALL_ACTIONS))
def test_every_transition_from_every_stage(stage, action, users):
    """Each action succeeds exactly from its legal stages; from any other it
    is refused with a clear message and the case, its history and its clocks
    are unchanged."""
    case = _case_at(stage, users)
    case.refresh_from_db()
    actor = users[ACTOR_FOR[action]]
    before = (case.stage, case.outcome, CaseEvent.objects.filter(case=case).count(),
              list(Clock.objects.filter(case=case).values_list("status", flat=True)))
    if stage in LEGAL_FROM[action]:
        ALL_ACTIONS[action](case, actor)
        case.refresh_from_db()
        assert CaseEvent.objects.filter(case=case).count() > before[2]
        assert CaseEvent.objects.filter(case=case).latest("id").actor == actor
    else:
        with pytest.raises(ApplicationError) as exc:
            ALL_ACTIONS[action](case, actor)
        assert exc.value.message
        case.refresh_from_db()
        after = (case.stage, case.outcome, CaseEvent.objects.filter(case=case).count(),
                 list(Clock.objects.filter(case=case).values_list("status", flat=True)))
        assert after == before


@pytest.mark.parametrize("action", list(ALL_ACTIONS))
def test_wrong_person_is_refused(action, users):
    """A user without the role for an action is refused with 403, whatever the stage."""
    stage = next(s for s in STAGES if s in LEGAL_FROM[action])
    case = _case_at(stage, users)
    case.refresh_from_db()
    outsider = users["applicant2"] if ACTOR_FOR[action] != "applicant" else users["intake"]
    with pytest.raises(ApplicationError) as exc:
        ALL_ACTIONS[action](case, outsider)
    assert exc.value.status_code == 403


def test_failed_upload_leaves_no_file(users, settings):
    """If saving the row fails after the file was written, the file is removed."""
    import os

    from cases.uploads import stored_upload

    case = services.case_create(actor=users["applicant"], title="申请")
    row = case.attachments.model(case=case, original_name="x.pdf", content_type="application/pdf", size=1,
                                 sha256="0" * 64, uploaded_by=users["applicant"])
    with pytest.raises(RuntimeError), stored_upload(row.file, pdf()):
        path = row.file.path
        assert os.path.exists(path)
        raise RuntimeError("row could not be saved")
    assert not os.path.exists(path)
