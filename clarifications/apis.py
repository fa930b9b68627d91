"""The API of clarification cases: opening one from a report
(``POST /api/v1/clarifications/``), reading its record
(``GET /api/v1/clarifications/{case_id}/``). Its steps' ``POST
/api/v1/cases/{id}/<step>/`` is generated (``core.step_apis``) from
``clarifications/steps.py``, which declares their inputs too. Same permissions as
the pages (the services check them), same error shape; a case the user may
not see is a 404, and who reported is in the record for the handling staff
only."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit, User
from cases.models import Origin
from cases.selectors import case_get_for_user, case_sees_internal

from . import services
from .models import Channel
from .selectors import matter_record, matter_view

NOT_VISIBLE = OpenApiResponse(description=_("No such clarification case, or not visible to you."))
NOT_A_CLARIFICATION = "This case is not a clarification case."

# --- The record --------------------------------------------------------------------------------


class ReportPointOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    allegation = serializers.CharField()
    finding = serializers.CharField(help_text="true | partly_true | untrue | unfounded, or empty before the finding.")
    basis = serializers.CharField()
    found_at = serializers.DateTimeField(allow_null=True)


class PetitionOutputSerializer(serializers.Serializer):
    occurred_on = serializers.DateField()
    description = serializers.CharField()
    handling = serializers.CharField()


class ClarificationCaseOutputSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    stage = serializers.CharField()
    received_on = serializers.DateField()
    points = ReportPointOutputSerializer(many=True)
    view_sought_on = serializers.DateField(allow_null=True)
    cadre_view = serializers.CharField()
    concluded_at = serializers.DateTimeField(allow_null=True)
    conclusion = serializers.CharField()
    scope = serializers.CharField()
    method = serializers.CharField()
    letter = serializers.IntegerField(allow_null=True)
    issued_at = serializers.DateTimeField(allow_null=True)
    internal = serializers.BooleanField(help_text="Whether the fields below are given: handling staff only.")
    report_number = serializers.CharField(required=False)
    channel = serializers.CharField(required=False)
    reporter_name = serializers.CharField(required=False)
    reporter_contact = serializers.CharField(required=False)
    referred_to = serializers.CharField(required=False)
    referral_facts = serializers.CharField(required=False)
    referred_on = serializers.DateField(required=False, allow_null=True)
    petitions = PetitionOutputSerializer(many=True, required=False)


def record_data(case, user) -> dict:
    matter = matter_record(case=case)
    view = matter_view(matter, internal=case_sees_internal(case=case, user=user))
    view["letter"] = matter.letter_id
    return ClarificationCaseOutputSerializer(
        {"case": case.pk, "number": case.number, "stage": case.stage, **view}).data


def _case(request, case_id):
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case.origin != Origin.REPORT:
        raise Http404(NOT_A_CLARIFICATION)
    return case


class ClarificationCaseOpenApi(APIView):
    class InputSerializer(serializers.Serializer):
        cadre = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text="The cadre reported on.")
        unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
        title = serializers.CharField(max_length=200)
        report_number = serializers.CharField(max_length=60, help_text="信访举报编号 (staff only).")
        received_on = serializers.DateField()
        channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.LETTER)
        reporter_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                              help_text="Empty for an anonymous report; never shown to the cadre.")
        reporter_contact = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        points = serializers.ListField(child=serializers.CharField(), min_length=1,
                                       help_text="The points the report makes, in order.")

    @extend_schema(operation_id="clarification_case_open", summary=_("Open a clarification case from a report (澄清正名事项)"),
                   description=_("An inspector of the unit's jurisdiction opens a clarification case from a 信访举报, "
                                 "with no 容错 application: it starts at `report_check` with the clarification "
                                 "clock. 403 for anyone else."),
                   request=InputSerializer, responses={201: ClarificationCaseOutputSerializer}, tags=["clarifications"])
    def post(self, request):
        """An inspector of the unit's jurisdiction opens a clarification case
        from a 信访举报, with no 容错 application: it starts at
        ``report_check`` with the clarification clock. 403 for anyone else."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.clarification_case_open(actor=request.user, **serializer.validated_data)
        return Response(record_data(case, request.user), status=201)


class ClarificationCaseDetailApi(APIView):
    @extend_schema(operation_id="clarification_case_get", summary=_("A clarification case's record"),
                   description=_("The points and findings, the cadre's view, scope, method and letter; the "
                                 "report's number, who reported, the referral and the petitioning record only "
                                 "for the handling staff (`internal`)."),
                   responses={200: ClarificationCaseOutputSerializer, 404: NOT_VISIBLE}, tags=["clarifications"])
    def get(self, request, case_id: int):
        """The points and findings, the cadre's view, scope, method and
        letter; the report's number, who reported, the referral and the
        petitioning record only for the handling staff (``internal``)."""
        case = _case(request, case_id)
        return Response(record_data(case, request.user))
