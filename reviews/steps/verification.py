"""The review steps before the meeting (reviews.steps): assigning the
inspectors and recusal, verification (interviews, evidence, the assessment,
the preliminary report), the defence (申辩) and what may be added before the
ruling (testimony, a third-party assessment, a public hearing)."""

from functools import partial

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import Stage
from core.serializers import KeyedDictField
from core.steps import Refusal, StepClock
from notifications.selectors import APPLICANT, COMMITTEE, INSPECTORS

from .. import forms as f
from .. import selectors as s
from .. import services
from ..models import EventKind as K
from ..models import VerificationRecord
from ..selectors import BUILTIN_DISTINCTIONS, BUILTIN_FACTORS
from .common import BEFORE_RULING, _items, _step, _users, inspector_or_committee


def _defence_ready(case):
    # Issue 16: where the 办法 requires the written 初步认定意见告知书, the
    # 申辩 follows it.
    if services.preliminary_notice_missing(case):
        return Refusal(services.PRELIMINARY_NOTICE_MISSING, code="preliminary_notice_missing")
    return None


# The clocks these steps open, and who must act while each runs.
DEFENCE_CLOCK = StepClock("defence", (APPLICANT, INSPECTORS), at_authority=False)
DELIBERATION_CLOCK = StepClock("deliberation", (COMMITTEE,))


# The API's inputs (Step.input), beside the steps: the generated
# POST /api/v1/cases/{id}/<step>/ (core.step_apis) and its schema read
# them from the declaration, so a step whose API takes more than its form
# (ids of users, nested rows, files) needs no class in apis.py. Each keeps
# the name its schema component has always had (generated clients know it).


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


STEPS = (
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
)
