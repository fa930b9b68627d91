"""The inputs of the correction, clarification and closing steps (whose
POST /api/v1/cases/{id}/<step>/ is generated from corrections/steps.py by
cases.apis.step_api) and GET of the record. Same permissions as the browser
(the services check them); a case the user may not see is a 404."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_get_for_user

from .models import Clarification, Correction, FourForms, Method, RectificationTask, Scope
from .selectors import correction_record

# --- Output: the record after the step ------------------------------------------------------


class FileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    submitted_by = serializers.IntegerField(source="submitted_by_id")
    text = serializers.CharField()
    submitted_at = serializers.DateTimeField(source="created_at")
    decision = serializers.CharField()
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    files = FileOutputSerializer(many=True, source="files.all")


class TaskOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=RectificationTask.Status.choices)
    due_date = serializers.DateField(source="clock.due_date", allow_null=True, default=None)
    reports = ReportOutputSerializer(many=True, source="reports.all")


class CorrectionOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Correction.Status.choices)
    skip_reason = serializers.CharField()
    started_on = serializers.DateField(allow_null=True)
    decided_by = serializers.CharField()
    problems = serializers.CharField()
    four_forms = serializers.CharField()
    four_forms_note = serializers.CharField()
    notice_sent_at = serializers.DateTimeField(allow_null=True)
    notice_recipients = serializers.CharField()
    notice_letter = serializers.IntegerField(source="notice_letter_id", allow_null=True)
    talk_on = serializers.DateField(allow_null=True)
    talk_participants = serializers.CharField()
    talk_record = serializers.CharField()
    talk_acknowledgement = serializers.CharField()
    rule_change = serializers.CharField()
    rule_document_title = serializers.CharField()
    rule_files = FileOutputSerializer(many=True, source="rule_files.all")
    completed_at = serializers.DateTimeField(allow_null=True)


class PointOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    allegation = serializers.CharField()
    finding = serializers.CharField()


class ClarificationOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Clarification.Status.choices)
    origin = serializers.CharField()
    request_reason = serializers.CharField()
    skip_reason = serializers.CharField()
    points = PointOutputSerializer(many=True, source="points.all")
    scope = serializers.CharField()
    method = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    letter = serializers.IntegerField(source="letter_id", allow_null=True)
    referred_to = serializers.CharField()
    referral_facts = serializers.CharField()
    referred_on = serializers.DateField(allow_null=True)


class CorrectionRecordOutputSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    stage = serializers.CharField()
    outcome = serializers.CharField()
    correction = CorrectionOutputSerializer(allow_null=True)
    tasks = TaskOutputSerializer(many=True)
    clarification = ClarificationOutputSerializer(allow_null=True)


def _record(case) -> dict:
    case.refresh_from_db(fields=["stage", "outcome"])
    record = correction_record(case=case)
    return {"case": case.pk, "stage": case.stage, "outcome": case.outcome, **record}


# --- Inputs ----------------------------------------------------------------------------------


class _Input(serializers.Serializer):
    def service_kwargs(self) -> dict:
        return dict(self.validated_data)


class StartCorrectionInput(_Input):
    decided_by = serializers.CharField(max_length=200)
    problems = serializers.CharField()
    four_forms = serializers.ChoiceField(choices=FourForms.choices, required=False, default="", allow_blank=True)
    four_forms_note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class SendCorrectionNoticeInput(_Input):
    recipients = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class RecordTalkInput(_Input):
    talk_on = serializers.DateField()
    participants = serializers.CharField()
    record = serializers.CharField()
    acknowledgement = serializers.CharField()


class AddRectificationTaskInput(_Input):
    description = serializers.CharField()


class SubmitRectificationReportInput(_Input):
    task_id = serializers.IntegerField()
    text = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False, default=list,
                                  help_text="Evidence files (multipart, field repeated).")


class AcceptRectificationInput(_Input):
    task_id = serializers.IntegerField()
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class ReturnRectificationInput(_Input):
    task_id = serializers.IntegerField()
    reason = serializers.CharField()


class RecordRuleChangeInput(_Input):
    rule_change = serializers.CharField()
    document_title = serializers.CharField(max_length=300)
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False, default=list,
                                  help_text="The rule document (multipart, field repeated).")


class ReasonInput(_Input):
    reason = serializers.CharField()


class OptionalReasonInput(_Input):
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class UntruePointInput(serializers.Serializer):
    allegation = serializers.CharField()
    finding = serializers.CharField()


class RecordClarificationInput(_Input):
    points = UntruePointInput(many=True, allow_empty=False)


class IssueClarificationInput(_Input):
    scope = serializers.ChoiceField(choices=Scope.choices)
    method = serializers.ChoiceField(choices=Method.choices)


class RecordReferralInput(_Input):
    referred_to = serializers.CharField(max_length=200)
    facts = serializers.CharField()
    referred_on = serializers.DateField(required=False, allow_null=True, default=None)


# --- The record; the steps' endpoints are generated (cases.apis.step_api) ----------------------


class CaseCorrectionRecordApi(APIView):
    """The correction and clarification record of a case (what the step
    endpoints answered before they shared the one shape of every step)."""

    @extend_schema(operation_id="case_correction_record", summary=_("The correction and clarification record of a case"),
                   description=_("The correction and clarification record of a case."), responses=CorrectionRecordOutputSerializer,
                   tags=["corrections"])
    def get(self, request, case_id: int):
        case = case_get_for_user(user=request.user, case_id=case_id)
        return Response(CorrectionRecordOutputSerializer(_record(case)).data)


# step name: (its input, the endpoint's summary, whether it takes files)
STEP_INPUTS = {
    "start_correction": (StartCorrectionInput, _("Start the correction (step 1)"), False),
    "send_correction_notice": (SendCorrectionNoticeInput, _("Send the correction notice (step 2)"), False),
    "record_talk": (RecordTalkInput, _("Record the reminder talk (step 3)"), False),
    "add_rectification_task": (AddRectificationTaskInput, _("Set a rectification task (step 4)"), False),
    "submit_rectification_report": (SubmitRectificationReportInput,
                                    _("The cadre's rectification report, with evidence"), True),
    "accept_rectification": (AcceptRectificationInput, _("Accept a rectification"), False),
    "return_rectification": (ReturnRectificationInput, _("Return a rectification report (new deadline)"), False),
    "record_rule_change": (RecordRuleChangeInput, _("Record the rule change (step 5)"), True),
    "skip_correction": (ReasonInput, _("Skip the correction, with the reason"), False),
    "request_clarification": (ReasonInput, _("Request (cadre) or propose (department) a clarification"), False),
    "record_clarification": (RecordClarificationInput, _("Record the untrue points"), False),
    "issue_clarification": (IssueClarificationInput, _("Issue the clarification statement"), False),
    "record_referral": (RecordReferralInput, _("Record a false-accusation referral"), False),
    "skip_clarification": (ReasonInput, _("Skip the clarification, with the reason"), False),
    "close": (OptionalReasonInput, _("Close the case"), False),
}
