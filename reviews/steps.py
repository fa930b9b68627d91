"""The steps of verification, ruling and review, declared once
(core.steps): legal stages, who may take them, when they are ready, the
page's form, the API's input, the service and their events. The case panel's
forms, the API's ``actions``, the generic step view and endpoint and the
services' guard read this."""

from functools import partial

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from cases.models import Stage
from cases.registry import register_case_panel
from core.serializers import KeyedDictField, form_input
from core.steps import Refusal, Step, StepClock, register_steps, step_cache
from core.subjects import register_hook
from notifications.selectors import APPLICANT, COMMITTEE, INSPECTORS, INTAKE
from policies.models import PolicyItem

from . import forms as f
from . import selectors as s
from . import services
from .models import EventKind as K
from .models import Meeting, Mitigation, Notice, Result, ReviewRequest, Ruling, VerificationRecord
from .selectors import BUILTIN_DISTINCTIONS, BUILTIN_FACTORS
from .views import case_panel_context

BEFORE_RULING = (Stage.DEFENCE, Stage.DELIBERATION)
SITTING = (Stage.DELIBERATION, Stage.REVIEW)
PANEL = "#reviews-panel"


def inspector_or_committee(case, user):
    return s.is_assigned_inspector(case, user) or s.is_committee(case, user)


def sits(case, user) -> bool:
    """A member who may sit on the decision now: the committee for the
    ruling, a member who did not vote on it for the review (复核)."""
    return s.is_review_member(case, user) if case.stage == Stage.REVIEW else s.is_committee(case, user)


def current_meeting(case) -> Meeting | None:
    """The meeting in force for the decision at hand (not voided), with its
    members and votes; read once per listing (core.steps.step_cache)."""
    cache = step_cache(case)
    if "meeting" not in cache:
        kind = Ruling.Kind.REVIEW if case.stage == Stage.REVIEW else Ruling.Kind.FIRST
        cache["meeting"] = (Meeting.objects.filter(case=case, kind=kind, voided_at__isnull=True)
                            .prefetch_related("members_present", "votes").order_by("-id").first())
    return cache["meeting"]


def _own_vote(meeting, user):
    return next((v for v in meeting.votes.all() if v.member_id == user.pk), None)


def _no_meeting_yet(case):
    # One meeting in force per decision (services.meeting_record).
    if current_meeting(case) is not None:
        return Refusal(services.MEETING_EXISTS, code="meeting_exists")
    return None


def _meeting_held(case):
    if current_meeting(case) is None:
        return Refusal(services.NO_MEETING, code="no_meeting")
    return None


def _vote_ready(case, user):
    """A member present who has not voted yet (or whose vote was recorded
    for him and waits: his own replaces it); the minute-taker, who may also
    record the votes of others."""
    meeting = current_meeting(case)
    if meeting is None:
        return Refusal(services.NO_MEETING, code="no_meeting")
    if meeting.recorded_by_id == user.pk:
        return None
    name = {"name": user.display_name}
    if user.pk not in {u.pk for u in meeting.members_present.all()}:
        return Refusal(services.NOT_PRESENT % name, code="not_present")
    mine = _own_vote(meeting, user)
    if mine is not None and mine.confirmed_at is not None:
        return Refusal(services.ALREADY_VOTED % name, code="already_voted")
    return None


def _confirm_ready(case, user):
    meeting = current_meeting(case)
    mine = _own_vote(meeting, user) if meeting is not None else None
    if mine is None or mine.confirmed_at is not None:
        return Refusal(services.NOTHING_TO_CONFIRM, code="nothing_to_confirm")
    return None


def _notices_done(case) -> set[str]:
    """Kinds of notice (反馈, 报备) already recorded for the current ruling."""
    cache = step_cache(case)
    if "notices_done" not in cache:
        ruling = Ruling.objects.filter(case=case).order_by("-id").values("pk")[:1]
        cache["notices_done"] = set(Notice.objects.filter(case=case, ruling__in=ruling).values_list("kind", flat=True))
    return cache["notices_done"]


# What the ready-checks of 反馈/报备/备案 refuse with (409), for the schema:
# a joint decision not yet countersigned (countersign_pending), a notice
# already recorded for the ruling (already_done).
NOTICE_REFUSALS = (s.COUNTERSIGN_AWAITED, services.ALREADY_DONE)


def _notice_ready(kind: str):
    def ready(case):
        # Issue 16: a joint decision is fed back and filed once countersigned.
        held = s.countersign_hold(case)
        if held is not None:
            return held
        if kind in _notices_done(case):
            return Refusal(services.ALREADY_DONE, code="already_done")
        return None
    return ready


def _review_ready(case):
    if ReviewRequest.objects.filter(case=case).exists():
        return Refusal(services.REVIEW_ONCE, code="review_once")
    # Issue 16: a joint ruling can be reviewed once it is countersigned (in force).
    return s.countersign_hold(case)


def _hearing_ready(case):
    # Issue 16: where the 办法 requires a hearing (a matter of major public
    # interest), deliberation waits for it.
    if services.hearing_missing(case):
        return Refusal(services.HEARING_REQUIRED, code="hearing_required")
    return None


def _defence_ready(case):
    # Issue 16: where the 办法 requires the written 初步认定意见告知书, the
    # 申辩 follows it.
    if services.preliminary_notice_missing(case):
        return Refusal(services.PRELIMINARY_NOTICE_MISSING, code="preliminary_notice_missing")
    return None


def _countersign_ready(kind):
    # Issue 16: only where the version rules jointly with the 组织部门, once
    # per decision (the ruling, the review decision).
    def ready(case):
        reason = services.countersign_pending(case, kind)
        if reason is not None:
            return Refusal(reason, code="not_joint" if reason is services.COUNTERSIGN_NOT_JOINT else "already_done")
        return None
    return ready


def _decision_success(joint, alone):
    # The page's message (core.step_views): on a joint version the decision
    # waits for the 组织部门's countersign, and its letter with it.
    return lambda case: services.decision_success(case, joint=joint, alone=alone)


def _deliberation_ready(case):
    # One meeting in force per decision, and the hearing the 办法 requires first.
    return _no_meeting_yet(case) or _hearing_ready(case)


def _form(form_class):
    return lambda data, files, case, **kw: form_class(data, files, case=case, **kw)


# The clocks these steps open, and who must act while each runs.
DEFENCE_CLOCK = StepClock("defence", (APPLICANT, INSPECTORS), at_authority=False)
DELIBERATION_CLOCK = StepClock("deliberation", (COMMITTEE,))
# After a ruling (and a review decision): 反馈 and 报备 by intake, and the
# applicant's time to ask for a review.
AFTER_RULING_CLOCKS = (StepClock("feedback", (INTAKE,)), StepClock("filing", (INTAKE,)))
REVIEW_REQUEST_CLOCK = StepClock("review_request", (APPLICANT,), at_authority=False)
REVIEW_DECISION_CLOCK = StepClock("review_decision", (COMMITTEE,))


def _confirm(*, case, actor, **_ignored):
    return services.vote_confirm(case=case, actor=actor)


# --- The API's inputs (Step.input), beside the steps: the generated
# POST /api/v1/cases/{id}/<step>/ (core.step_apis) and its schema read
# them from the declaration, so a step whose API takes more than its form
# (ids of users, nested rows, files) needs no class in apis.py. Each keeps
# the name its schema component has always had (generated clients know it).

_users = User.objects.filter(is_active=True)
_items = PolicyItem.objects.all()


class CaseAssignApiInput(serializers.Serializer):
    inspectors = serializers.PrimaryKeyRelatedField(queryset=_users, many=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CaseRecusalMarkApiInput(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=_users)
    reason = serializers.CharField(max_length=200)


class CaseInterviewRecordApiInput(serializers.Serializer):
    person = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    summary = serializers.CharField()
    file = serializers.FileField(required=False, allow_empty_file=True)


class CaseEvidenceRecordApiInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[VerificationRecord.Kind.EVIDENCE, VerificationRecord.Kind.NOTE])
    text = serializers.CharField()
    file = serializers.FileField(required=False, allow_empty_file=True)


class ConditionFindingSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    reason = serializers.CharField()


class CaseAssessApiInput(serializers.Serializer):
    conditions = serializers.DictField(
        child=ConditionFindingSerializer(), help_text="Condition item id → finding and reasons."
    )
    positive_item = serializers.PrimaryKeyRelatedField(queryset=_items, required=False, allow_null=True)
    negative_items = serializers.PrimaryKeyRelatedField(queryset=_items, many=True, required=False)
    negative_note = serializers.CharField(required=False, allow_blank=True)
    # The built-in keys are listed in the schema (core.schema reads
    # ``schema_keys``): a client fills each, or the version's own
    # distinction / factor items by id where it has them.
    distinctions = KeyedDictField(
        child=serializers.CharField(), schema_keys=BUILTIN_DISTINCTIONS,
        help_text="Distinction item id of the case's policy version (or, when it has none, each built-in key) "
                  "→ judgement.")
    factors = KeyedDictField(
        child=serializers.CharField(), schema_keys=BUILTIN_FACTORS,
        help_text="Factor item id of the case's policy version (or, when it has none, each built-in key) "
                  "→ judgement.")


class CasePreliminaryReportApiInput(serializers.Serializer):
    # A plain string in the schema: the same choice set under a second
    # name would make a duplicate enum (the service validates it).
    recommended_result = serializers.CharField(help_text="exempt | mitigated | rejected")
    summary = serializers.CharField()
    major_public_interest = serializers.BooleanField(
        required=False, default=False,
        help_text="The matter involves a major public interest: where the 办法 says so, a hearing is required.")


class CaseDefendApiInput(serializers.Serializer):
    text = serializers.CharField()
    file = serializers.FileField(required=False, allow_empty_file=True)


class CaseWaiveDefenceApiInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CaseTestimonyAddApiInput(serializers.Serializer):
    person = serializers.CharField(max_length=200)
    text = serializers.CharField()
    file = serializers.FileField(required=False, allow_empty_file=True)


class _OptionalStepInput(serializers.Serializer):
    held_on = serializers.DateField()
    body = serializers.CharField(max_length=300)
    conclusion = serializers.CharField()
    file = serializers.FileField(required=False, allow_empty_file=True)


class CaseAssessmentReportRecordApiInput(_OptionalStepInput):
    pass


class CaseHearingRecordApiInput(_OptionalStepInput):
    pass


class VoteInputSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=_users)
    result = serializers.ChoiceField(choices=Result.choices)
    opinion = serializers.CharField(required=False, allow_blank=True)


class CaseDeliberateApiInput(serializers.Serializer):
    held_on = serializers.DateField()
    members_present = serializers.PrimaryKeyRelatedField(queryset=_users, many=True)
    votes = VoteInputSerializer(many=True, required=False)


class CaseVoteApiInput(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=_users, required=False,
                                                help_text="Defaults to the caller.")
    result = serializers.ChoiceField(choices=Result.choices)
    opinion = serializers.CharField(required=False, allow_blank=True)


class CaseVoteConfirmApiInput(serializers.Serializer):
    pass


class ResultUseInputSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=_items)
    duration_months = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)


class _RulingInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=Result.choices)
    # 从轻 and 减轻 are two results (issue 16): the service refuses a
    # mitigated ruling that does not say which (422, field ``mitigation``).
    mitigation = serializers.ChoiceField(
        choices=Mitigation.choices, required=False, default="", allow_blank=True,
        help_text="Required when result is mitigated: lighter (从轻, within the prescribed range) | reduced "
                  "(减轻, below it). Empty for exempt and rejected. A mitigated ruling without it, or an exempt or "
                  "rejected one with it, is refused with 422 and `fields.mitigation` (“A mitigated ruling "
                  "must say whether it is lighter (从轻) or reduced (减轻).”).")
    reasons = serializers.CharField()
    applied_items = serializers.PrimaryKeyRelatedField(queryset=_items, many=True, required=False)
    uses = ResultUseInputSerializer(many=True, required=False)
    needs_correction = serializers.BooleanField(required=False, default=False)
    needs_clarification = serializers.BooleanField(required=False, default=False)


class CaseRuleApiInput(_RulingInput):
    pass


class _NoticeInput(serializers.Serializer):
    done_on = serializers.DateField(required=False)
    recipients = serializers.CharField(max_length=300)
    note = serializers.CharField(required=False, allow_blank=True)


class CaseFeedbackApiInput(_NoticeInput):
    pass


class CaseFileReportApiInput(_NoticeInput):
    pass


class CaseRecordSameLevelApiInput(_NoticeInput):
    file = serializers.FileField(required=False)


class CaseRequestReviewApiInput(serializers.Serializer):
    reasons = serializers.CharField()


class CaseDecideReviewApiInput(_RulingInput):
    pass


# What the ruling's and the review decision's services refuse with 409 (the schema's description).
RULING_REFUSALS = (services.NO_MEETING, services.NO_QUORUM, services.VOTES_UNCONFIRMED, services.NO_MAJORITY)


def _step(name, label, stages, who, form_class, service, success, *, input=None, **kw):
    # The API's input (Step.input): the one the declaration names, else the
    # page form's fields (core.serializers.form_input).
    return Step(name, label, stages, who, app="reviews", form=_form(form_class), service=service,
                input=input or form_input(form_class, name), success=success, anchor=PANEL, **kw)


register_steps(
    _step("assign", _("Assign inspectors"), (Stage.VERIFICATION,), s.is_supervisor, f.AssignForm,
          services.case_assign, _("Inspectors assigned."), events=(K.ASSIGNED,),
          input=CaseAssignApiInput, summary=_("Assign at least two inspectors (supervisor)")),
    _step("mark_recusal", _("Mark as related"), (Stage.VERIFICATION,), s.is_supervisor, f.RecusalForm,
          services.recusal_mark, _("Marked as related: he may not handle the case."), events=(K.RECUSAL_MARKED,),
          input=CaseRecusalMarkApiInput, summary=_("Mark someone as related (回避)")),
    _step("record_interview", _("Record an interview"), (Stage.VERIFICATION,), s.is_assigned_inspector,
          f.InterviewForm, services.interview_record, _("Interview recorded."), events=(K.INTERVIEW_RECORDED,),
          input=CaseInterviewRecordApiInput, summary=_("Record an interview")),
    _step("record_evidence", _("Record evidence or a note"), (Stage.VERIFICATION,), s.is_assigned_inspector,
          f.EvidenceForm, services.evidence_record, _("Recorded."), events=(K.EVIDENCE_RECORDED,),
          input=CaseEvidenceRecordApiInput, summary=_("Record evidence or a note")),
    _step("assess", _("Assessment"), (Stage.VERIFICATION,), s.is_assigned_inspector, f.AssessmentForm,
          services.case_assess, _("Assessment saved."), events=(K.ASSESSED,),
          input=CaseAssessApiInput, summary=_("Assessment against the case's policy version")),
    _step("preliminary_report", _("Preliminary report"), (Stage.VERIFICATION,), s.is_assigned_inspector,
          f.ReportForm, services.case_preliminary_report,
          _("Preliminary report recorded; the applicant is notified."), events=(K.PRELIMINARY_REPORT,),
          clocks=(DEFENCE_CLOCK,),
          input=CasePreliminaryReportApiInput, summary=_("Preliminary report; the case goes to defence")),
    _step("defend", _("Submit a defence (申辩)"), (Stage.DEFENCE,), s.is_applicant, f.DefenceForm,
          services.case_defend, _("Your defence is submitted."), ready=_defence_ready, events=(K.DEFENCE_SUBMITTED,),
          clocks=(DELIBERATION_CLOCK,),
          input=CaseDefendApiInput, summary=_("The applicant's defence (申辩)")),
    _step("waive_defence", _("Waive the defence"), (Stage.DEFENCE,), s.may_waive, f.WaiveForm,
          services.case_waive_defence, _("The defence is waived."), ready=_defence_ready, events=(K.DEFENCE_WAIVED,),
          clocks=(DELIBERATION_CLOCK,),
          input=CaseWaiveDefenceApiInput, summary=_("Waive the defence")),
    _step("add_testimony", _("Add testimony"), BEFORE_RULING, s.may_testify, f.TestimonyForm,
          services.testimony_add, _("Testimony added."), events=(K.TESTIMONY_ADDED,),
          input=CaseTestimonyAddApiInput, summary=_("Add testimony")),
    _step("record_assessment_report", _("Record a third-party assessment"), BEFORE_RULING,
          inspector_or_committee, f.OptionalStepForm, partial(services.optional_step_record, kind="third_party"),
          _("Third-party assessment recorded."), events=(K.ASSESSMENT_REPORT,),
          input=CaseAssessmentReportRecordApiInput, summary=_("Third-party assessment (第三方评估)")),
    _step("record_hearing", _("Record a public hearing"), BEFORE_RULING, inspector_or_committee,
          f.OptionalStepForm, partial(services.optional_step_record, kind="hearing"), _("Hearing recorded."),
          events=(K.HEARING,),
          input=CaseHearingRecordApiInput, summary=_("Public hearing (听证会)")),
    # The meeting, then each member's vote; the first ruling's and the
    # review's alike (the review's members exclude the first ruling's voters).
    _step("deliberate", _("Record the deliberation"), SITTING, sits, f.MeetingForm, services.meeting_record,
          _("Meeting recorded."), ready=_deliberation_ready, events=(K.MEETING_RECORDED, K.VOTE_CAST),
          input=CaseDeliberateApiInput, summary=_("Deliberation meeting, optionally with its votes"),
          refusals=(services.MEETING_EXISTS, services.NO_QUORUM, services.HEARING_REQUIRED)),
    _step("vote", _("Vote"), SITTING, sits, f.VoteForm, services.vote_record, _("Vote recorded."),
          ready=_vote_ready, events=(K.VOTE_CAST,),
          input=CaseVoteApiInput, summary=_("One member's vote"),
          refusals=(services.NO_MEETING, services.NOT_PRESENT, services.ALREADY_VOTED)),
    _step("confirm_vote", _("Confirm my vote"), SITTING, sits, f.ConfirmVoteForm, _confirm,
          _("Your vote is confirmed."), ready=_confirm_ready, events=(K.VOTE_CONFIRMED,),
          input=CaseVoteConfirmApiInput, summary=_("Confirm the vote recorded for me"),
          refusals=(services.NOTHING_TO_CONFIRM,)),
    # The guide's example (docs/kernel.md): everything about the step but
    # its record, service, form and panel partial is said here.
    _step("void_meeting", _("Void the meeting"), SITTING, sits, f.VoidMeetingForm, services.meeting_void,
          _("The meeting is voided; it stays in the record with the reason."), ready=_meeting_held,
          events=(K.MEETING_VOIDED,), audience={K.MEETING_VOIDED: ()}, aside=True,
          summary=_("Void the current meeting, with the reason")),
    _step("rule", _("Record the ruling"), (Stage.DELIBERATION,), s.is_committee, f.RulingForm, services.case_rule,
          _decision_success(_("Ruling recorded; it awaits the organization department's countersign (会签), "
                              "and the ruling letter is issued then."),
                            _("Ruling recorded; the ruling letter is being prepared.")),
          ready=_meeting_held, events=(K.RULED, K.COUNTERSIGN_REQUESTED),
          clocks=(*AFTER_RULING_CLOCKS, REVIEW_REQUEST_CLOCK),
          input=CaseRuleApiInput, summary=_("The ruling (quorum and majority)"), refusals=RULING_REFUSALS),
    # A joint ruling (the version's ``joint_ruling``): the 组织部门 of the
    # jurisdiction countersigns, and the 认定书 signed by both is issued;
    # the time limits after the ruling run from then.
    _step("countersign_ruling", _("Countersign the ruling (会签)"), (Stage.RULED,), services.is_org_dept,
          f.CountersignForm, services.ruling_countersign,
          _("Ruling countersigned; the ruling letter is being prepared."), ready=_countersign_ready(Ruling.Kind.FIRST),
          events=(K.COUNTERSIGNED,), summary=_("Countersign a joint ruling as the organization department"),
          clocks=(*AFTER_RULING_CLOCKS, REVIEW_REQUEST_CLOCK)),
    # The review decision of a joint version likewise (its 复核决定书).
    _step("countersign_review", _("Countersign the review decision (会签)"), (Stage.RULED,), services.is_org_dept,
          f.CountersignForm, services.review_countersign,
          _("Review decision countersigned; the review decision letter is being prepared."),
          ready=_countersign_ready(Ruling.Kind.REVIEW), events=(K.REVIEW_COUNTERSIGNED,),
          summary=_("Countersign a joint review decision as the organization department"),
          clocks=AFTER_RULING_CLOCKS),
    # 反馈 and 报备: each once per ruling.
    _step("feedback", _("Record the feedback (反馈)"), (Stage.RULED,), s.may_notify, f.NoticeForm,
          partial(services.notice_record, kind="feedback"), _("Feedback recorded."),
          ready=_notice_ready(Notice.Kind.FEEDBACK), events=(K.FEEDBACK,),
          input=CaseFeedbackApiInput, summary=_("Feedback to the applicant and unit (反馈)"),
          refusals=NOTICE_REFUSALS),
    _step("file_report", _("Record the filing (报备)"), (Stage.RULED,), s.may_notify, f.NoticeForm,
          partial(services.notice_record, kind="filing"), _("Filing recorded."),
          ready=_notice_ready(Notice.Kind.FILING), events=(K.FILED,),
          input=CaseFileReportApiInput, summary=_("Filing with the higher level (报备)"),
          refusals=NOTICE_REFUSALS),
    # 备案 at the same level: a record of its own beside 报备 (issue 16).
    _step("record_same_level", _("Record the 备案 at the same level"), (Stage.RULED,), s.may_notify, f.NoticeForm,
          partial(services.notice_record, kind="record"), _("The 备案 at the same level is recorded."),
          ready=_notice_ready(Notice.Kind.RECORD), events=(K.RECORDED,),
          input=CaseRecordSameLevelApiInput, summary=_("Record at the same level (备案)"),
          refusals=NOTICE_REFUSALS),
    # 复核: once.
    _step("request_review", _("Request a review (复核)"), (Stage.RULED,), s.is_applicant, f.ReviewRequestForm,
          services.case_request_review, _("Your request for review is recorded."), ready=_review_ready,
          events=(K.REVIEW_REQUESTED,), clocks=(REVIEW_DECISION_CLOCK,),
          input=CaseRequestReviewApiInput, summary=_("Request a review (复核), once"),
          refusals=(services.REVIEW_ONCE, s.COUNTERSIGN_AWAITED)),
    _step("decide_review", _("Decide the review"), (Stage.REVIEW,), s.is_review_member, f.RulingForm,
          services.case_decide_review,
          _decision_success(_("Review decision recorded; it awaits the organization department's countersign "
                              "(会签), and the review decision letter is issued then."),
                            _("Review decision recorded.")),
          ready=_meeting_held, events=(K.REVIEW_DECIDED, K.COUNTERSIGN_REQUESTED), clocks=AFTER_RULING_CLOCKS,
          input=CaseDecideReviewApiInput, summary=_("Review decision"), refusals=RULING_REFUSALS),
)

# At verification the assigned inspectors ask for supplements (cases' step).
register_hook("case", "assigned_inspector", s.is_assigned_inspector)
register_case_panel(order=20, template="reviews/case_panel.html", context=case_panel_context)
