"""The review steps of the decision (reviews.steps): the deliberation
meeting and each member's vote (the first ruling's and the review's), voiding
a meeting, the ruling, and the 组织部门's countersign of a joint ruling or
review decision."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import Stage
from core.steps import Refusal, StepClock, step_cache
from notifications.selectors import APPLICANT, INTAKE

from .. import forms as f
from .. import selectors as s
from .. import services
from ..models import EventKind as K
from ..models import Meeting, Mitigation, Result, Ruling
from .common import SITTING, _items, _step, _users, sits


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


def _hearing_ready(case):
    # Issue 16: where the 办法 requires a hearing (a matter of major public
    # interest), deliberation waits for it.
    if services.hearing_missing(case):
        return Refusal(services.HEARING_REQUIRED, code="hearing_required")
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


# The clocks these steps open, and who must act while each runs.
# After a ruling (and a review decision): 反馈 and 报备 by intake, and the
# applicant's time to ask for a review.
AFTER_RULING_CLOCKS = (StepClock("feedback", (INTAKE,)), StepClock("filing", (INTAKE,)))
REVIEW_REQUEST_CLOCK = StepClock("review_request", (APPLICANT,), at_authority=False)


def _confirm(*, case, actor, **_ignored):
    return services.vote_confirm(case=case, actor=actor)


# The API's inputs (Step.input), beside the steps: the generated
# POST /api/v1/cases/{id}/<step>/ (core.step_apis) and its schema read
# them from the declaration, so a step whose API takes more than its form
# (ids of users, nested rows, files) needs no class in apis.py. Each keeps
# the name its schema component has always had (generated clients know it).


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


# What the ruling's and the review decision's services refuse with 409 (the schema's description).
RULING_REFUSALS = (services.NO_MEETING, services.NO_QUORUM, services.VOTES_UNCONFIRMED, services.NO_MAJORITY)


STEPS = (
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
)
