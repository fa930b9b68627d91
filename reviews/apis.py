"""API of verification, defence, deliberation, ruling and review: the
inputs of the steps (whose one POST each under ``/api/v1/cases/{id}/<step>/``
is generated from reviews/steps.py by cases.apis.step_api), the record and
the proactive case. The browser's permissions: a case the user may not see
is a 404; a step he may not take is refused by the service."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit, User
from cases.models import Case
from cases.selectors import case_get_for_user, case_sees_internal
from core.serializers import KeyedDictField
from policies.models import PolicyItem

from . import services
from .models import Mitigation, Result, VerificationRecord
from .selectors import BUILTIN_DISTINCTIONS, BUILTIN_FACTORS, review_record

_users = User.objects.filter(is_active=True)
_items = PolicyItem.objects.all()


class StepOutputSerializer(serializers.Serializer):
    """The case after the step, and the id of the record it made."""

    id = serializers.IntegerField(help_text="The record the step created (assignment list: the case id).")
    case_id = serializers.IntegerField()
    case_number = serializers.CharField()
    stage = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)


def _done(case: Case, obj, code=status.HTTP_201_CREATED) -> Response:
    case.refresh_from_db(fields=["stage", "outcome", "number"])
    return Response(
        StepOutputSerializer({"id": getattr(obj, "pk", case.pk), "case_id": case.pk, "case_number": case.number,
                              "stage": case.stage, "outcome": case.outcome}).data,
        status=code,
    )


class _StepInput:
    """The input of one step's endpoint. The endpoint itself is generated
    from the step's declaration (reviews/steps.py, cases.apis.step_api):
    one view and one response shape for every step of every app."""

    InputSerializer: type[serializers.Serializer]


class CaseAssignApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        inspectors = serializers.PrimaryKeyRelatedField(queryset=_users, many=True)
        reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CaseRecusalMarkApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        user = serializers.PrimaryKeyRelatedField(queryset=_users)
        reason = serializers.CharField(max_length=200)


class CaseInterviewRecordApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        person = serializers.CharField(max_length=200)
        held_on = serializers.DateField()
        summary = serializers.CharField()
        file = serializers.FileField(required=False, allow_empty_file=True)


class CaseEvidenceRecordApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=[VerificationRecord.Kind.EVIDENCE, VerificationRecord.Kind.NOTE])
        text = serializers.CharField()
        file = serializers.FileField(required=False, allow_empty_file=True)


class ConditionFindingSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    reason = serializers.CharField()


class CaseAssessApi(_StepInput):
    class InputSerializer(serializers.Serializer):
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


class CasePreliminaryReportApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        # A plain string in the schema: the same choice set under a second
        # name would make a duplicate enum (the service validates it).
        recommended_result = serializers.CharField(help_text="exempt | mitigated | rejected")
        summary = serializers.CharField()
        major_public_interest = serializers.BooleanField(
            required=False, default=False,
            help_text="The matter involves a major public interest: where the 办法 says so, a hearing is required.")


class CaseDefendApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField()
        file = serializers.FileField(required=False, allow_empty_file=True)


class CaseWaiveDefenceApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CaseTestimonyAddApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        person = serializers.CharField(max_length=200)
        text = serializers.CharField()
        file = serializers.FileField(required=False, allow_empty_file=True)


class _OptionalStepInput(serializers.Serializer):
    held_on = serializers.DateField()
    body = serializers.CharField(max_length=300)
    conclusion = serializers.CharField()
    file = serializers.FileField(required=False, allow_empty_file=True)


class CaseAssessmentReportRecordApi(_StepInput):
    class InputSerializer(_OptionalStepInput):
        pass


class CaseHearingRecordApi(_StepInput):
    class InputSerializer(_OptionalStepInput):
        pass


class VoteInputSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=_users)
    result = serializers.ChoiceField(choices=Result.choices)
    opinion = serializers.CharField(required=False, allow_blank=True)


class CaseDeliberateApi(_StepInput):
    # The refusals of its service, in the schema's description (core.schema).
    schema_refusals = (services.MEETING_EXISTS, services.NO_QUORUM, services.HEARING_REQUIRED)

    """The meeting (date, members present) and, optionally, the votes taken
    at it; a member's vote may also be posted alone to ``vote/``."""

    class InputSerializer(serializers.Serializer):
        held_on = serializers.DateField()
        members_present = serializers.PrimaryKeyRelatedField(queryset=_users, many=True)
        votes = VoteInputSerializer(many=True, required=False)


class CaseVoteApi(_StepInput):
    # The refusals of its service, in the schema's description (core.schema).
    schema_refusals = (services.NO_MEETING, services.NOT_PRESENT, services.ALREADY_VOTED)

    class InputSerializer(serializers.Serializer):
        member = serializers.PrimaryKeyRelatedField(queryset=_users, required=False,
                                                    help_text="Defaults to the caller.")
        result = serializers.ChoiceField(choices=Result.choices)
        opinion = serializers.CharField(required=False, allow_blank=True)


class CaseVoteConfirmApi(_StepInput):
    # The refusals of its service, in the schema's description (core.schema).
    schema_refusals = (services.NOTHING_TO_CONFIRM,)

    """The member confirms the vote the minute-taker recorded for him."""

    class InputSerializer(serializers.Serializer):
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


class CaseRuleApi(_StepInput):
    # The refusals of its service, in the schema's description (core.schema).
    schema_refusals = (services.NO_MEETING, services.NO_QUORUM, services.VOTES_UNCONFIRMED, services.NO_MAJORITY)

    class InputSerializer(_RulingInput):
        pass


class _NoticeInput(serializers.Serializer):
    done_on = serializers.DateField(required=False)
    recipients = serializers.CharField(max_length=300)
    note = serializers.CharField(required=False, allow_blank=True)


class CaseFeedbackApi(_StepInput):
    class InputSerializer(_NoticeInput):
        pass


class CaseFileReportApi(_StepInput):
    class InputSerializer(_NoticeInput):
        pass


class CaseRecordSameLevelApi(_StepInput):
    class InputSerializer(_NoticeInput):
        file = serializers.FileField(required=False)


class CaseRequestReviewApi(_StepInput):
    class InputSerializer(serializers.Serializer):
        reasons = serializers.CharField()


class CaseDecideReviewApi(_StepInput):
    # The refusals of its service, in the schema's description (core.schema).
    schema_refusals = (services.NO_MEETING, services.NO_QUORUM, services.VOTES_UNCONFIRMED, services.NO_MAJORITY)

    class InputSerializer(_RulingInput):
        pass


# step name: (its input, the endpoint's summary)
STEP_INPUTS = {
    "assign": (CaseAssignApi, _("Assign at least two inspectors (supervisor)")),
    "mark_recusal": (CaseRecusalMarkApi, _("Mark someone as related (回避)")),
    "record_interview": (CaseInterviewRecordApi, _("Record an interview")),
    "record_evidence": (CaseEvidenceRecordApi, _("Record evidence or a note")),
    "assess": (CaseAssessApi, _("Assessment against the case's policy version")),
    "preliminary_report": (CasePreliminaryReportApi, _("Preliminary report; the case goes to defence")),
    "defend": (CaseDefendApi, _("The applicant's defence (申辩)")),
    "waive_defence": (CaseWaiveDefenceApi, _("Waive the defence")),
    "add_testimony": (CaseTestimonyAddApi, _("Add testimony")),
    "record_assessment_report": (CaseAssessmentReportRecordApi, _("Third-party assessment (第三方评估)")),
    "record_hearing": (CaseHearingRecordApi, _("Public hearing (听证会)")),
    "deliberate": (CaseDeliberateApi, _("Deliberation meeting, optionally with its votes")),
    "vote": (CaseVoteApi, _("One member's vote")),
    "confirm_vote": (CaseVoteConfirmApi, _("Confirm the vote recorded for me")),
    "rule": (CaseRuleApi, _("The ruling (quorum and majority)")),
    "feedback": (CaseFeedbackApi, _("Feedback to the applicant and unit (反馈)")),
    "file_report": (CaseFileReportApi, _("Filing with the higher level (报备)")),
    "record_same_level": (CaseRecordSameLevelApi, _("Record at the same level (备案)")),
    "request_review": (CaseRequestReviewApi, _("Request a review (复核), once")),
    "decide_review": (CaseDecideReviewApi, _("Review decision")),
}


class CaseProactiveOpenApi(APIView):
    class InputSerializer(serializers.Serializer):
        applicant = serializers.PrimaryKeyRelatedField(queryset=_users, help_text="The cadre concerned.")
        unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
        title = serializers.CharField(max_length=200)
        trigger = serializers.CharField(required=False, allow_blank=True)
        matter = serializers.CharField(required=False, allow_blank=True)
        accountability_considered = serializers.CharField(required=False, allow_blank=True)
        facts_reasons = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(operation_id="case_open_proactive", summary=_("Open a proactive case (主动容错)"),
                   request=InputSerializer, responses={201: StepOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_open_proactive(actor=request.user, **serializer.validated_data)
        return _done(case, case)


class RecordOutputSerializer(serializers.Serializer):
    class AssignmentSerializer(serializers.Serializer):
        inspector = serializers.IntegerField(source="inspector_id")
        inspector_name = serializers.CharField(source="inspector.display_name")
        active = serializers.BooleanField()
        ended_reason = serializers.CharField()
        created_at = serializers.DateTimeField()

    class RecordSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        person = serializers.CharField()
        held_on = serializers.DateField(allow_null=True)
        text = serializers.CharField()
        recorded_by = serializers.CharField(source="recorded_by.display_name")

    class AssessmentSerializer(serializers.Serializer):
        conditions = serializers.DictField()
        positive_item = serializers.IntegerField(source="positive_item_id", allow_null=True)
        negative_items = serializers.SerializerMethodField()
        negative_note = serializers.CharField()
        distinctions = serializers.DictField()
        factors = serializers.DictField()

        def get_negative_items(self, obj) -> list[int]:
            return [i.pk for i in obj.negative_items.all()]

    class ReportSerializer(serializers.Serializer):
        recommended_result = serializers.CharField()
        summary = serializers.CharField()
        author = serializers.CharField(source="author.display_name")

    class DefenceSerializer(serializers.Serializer):
        kind = serializers.CharField()
        person = serializers.CharField()
        text = serializers.CharField()
        submitted_by = serializers.CharField(source="submitted_by.display_name")
        created_at = serializers.DateTimeField()

    class StepSerializer(serializers.Serializer):
        kind = serializers.CharField()
        held_on = serializers.DateField()
        body = serializers.CharField()
        conclusion = serializers.CharField()

    class MeetingSerializer(serializers.Serializer):
        class VoteSerializer(serializers.Serializer):
            member = serializers.IntegerField(source="member_id")
            member_name = serializers.CharField(source="member.display_name")
            result = serializers.CharField()
            opinion = serializers.CharField()
            recorded_by = serializers.IntegerField(source="recorded_by_id")
            confirmed_at = serializers.DateTimeField(allow_null=True)

        id = serializers.IntegerField()
        kind = serializers.CharField()
        held_on = serializers.DateField()
        voided_at = serializers.DateTimeField(allow_null=True)
        void_reason = serializers.CharField()
        members_present = serializers.SerializerMethodField()
        members_total = serializers.IntegerField()
        quorum_required = serializers.IntegerField()
        votes = VoteSerializer(many=True, source="visible_votes")

        def get_members_present(self, obj) -> list[int]:
            return [u.pk for u in obj.members_present.all()]

    class RulingSerializer(serializers.Serializer):
        class UseSerializer(serializers.Serializer):
            item = serializers.IntegerField(source="policy_item_id")
            text = serializers.CharField(source="policy_item.text")
            duration_months = serializers.IntegerField(allow_null=True)

        id = serializers.IntegerField()
        kind = serializers.CharField()
        result = serializers.CharField()
        reasons = serializers.CharField()
        decided_on = serializers.DateField()
        is_current = serializers.BooleanField()
        review_decision = serializers.CharField()
        needs_correction = serializers.BooleanField()
        needs_clarification = serializers.BooleanField()
        applied_items = serializers.SerializerMethodField()
        uses = UseSerializer(many=True)

        def get_applied_items(self, obj) -> list[int]:
            return [i.pk for i in obj.applied_items.all()]

    class NoticeSerializer(serializers.Serializer):
        kind = serializers.CharField()
        ruling = serializers.IntegerField(source="ruling_id")
        done_on = serializers.DateField()
        recipients = serializers.CharField()
        note = serializers.CharField()

    class ReviewSerializer(serializers.Serializer):
        reasons = serializers.CharField()
        requested_on = serializers.DateField()

    assignments = AssignmentSerializer(many=True)
    records = RecordSerializer(many=True)
    assessment = AssessmentSerializer(allow_null=True)
    report = ReportSerializer(allow_null=True)
    defence = DefenceSerializer(many=True)
    steps = StepSerializer(many=True)
    meetings = MeetingSerializer(many=True)
    rulings = RulingSerializer(many=True)
    notices = NoticeSerializer(many=True)
    review = ReviewSerializer(allow_null=True)


class CaseReviewRecordApi(APIView):
    @extend_schema(operation_id="case_review_record", summary=_("The verification-to-review record of a case"),
                   responses=RecordOutputSerializer)
    def get(self, request, case_id: int):
        case = case_get_for_user(user=request.user, case_id=case_id)
        record = review_record(case=case, internal=case_sees_internal(case=case, user=request.user))
        return Response(RecordOutputSerializer(record).data)
