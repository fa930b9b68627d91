from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.subjects import subject

from .models import Clock
from .selectors import clock_list_for_case
from .services import clock_extension_grant


class ExplainedDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField()
    known = serializers.BooleanField()


class PauseSerializer(serializers.Serializer):
    # "from" is a keyword in Python: declared below.
    to = serializers.DateField()
    days = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)


PauseSerializer._declared_fields["from"] = serializers.DateField()


class ExtensionSerializer(serializers.Serializer):
    on = serializers.DateField()
    days = serializers.IntegerField()
    reason = serializers.CharField()
    by = serializers.CharField(allow_null=True)


class ExplanationSerializer(serializers.Serializer):
    """How the due date was computed (``deadlines.services.clock_explain``)."""

    start = serializers.DateField()
    start_rule = serializers.CharField()
    base_amount = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Base amount plus paused and extended days.")
    unit = serializers.CharField()
    counted = ExplainedDaySerializer(many=True)
    skipped = ExplainedDaySerializer(many=True)
    pauses = PauseSerializer(many=True)
    paused_since = serializers.DateField(allow_null=True)
    paused_days = serializers.IntegerField()
    extensions = ExtensionSerializer(many=True)
    extension_days = serializers.IntegerField()
    due = serializers.DateField()
    flagged = serializers.BooleanField()
    unknown_years = serializers.ListField(child=serializers.IntegerField())


class ClockOutputSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField()
    at_authority = serializers.BooleanField(help_text="False for the applicant's own time (supplement, defence...).")
    explanation = ExplanationSerializer()
    limit_certainty = serializers.CharField(help_text=_(
        "Where the version's limit comes from: verbatim or summary (the jurisdiction's text), example_default or "
        "reconstructed (to be confirmed); empty when the version sets none."))
    limit_confirmed = serializers.BooleanField(help_text=_(
        "False for a limit not taken from the jurisdiction's text (示例默认（待核定）): it runs the clock, but no "
        "letter states it."))

    class Meta:
        model = Clock
        fields = [
            "id", "stage", "ref", "status", "started_on", "amount", "unit", "due_date", "flagged",
            "extension_allowed", "extension_max", "overdue", "at_authority", "limit_certainty", "limit_confirmed",
            "explanation",
        ]


class CaseClockListApi(APIView):
    @extend_schema(operation_id="case_clocks_list", summary=_("A case's time limits"), responses=ClockOutputSerializer(many=True))
    def get(self, request, case_id: int):
        case = subject("case").get_for_user(request.user, case_id)
        return Response(ClockOutputSerializer(clock_list_for_case(case=case), many=True).data)


class ClockExtendApi(APIView):
    class InputSerializer(serializers.Serializer):
        days = serializers.IntegerField(min_value=1, max_value=365)
        reason = serializers.CharField(max_length=2000)

    @extend_schema(operation_id="case_clock_extend", summary=_("Extend a time limit, with the reason"), request=InputSerializer, responses=ClockOutputSerializer)
    def post(self, request, case_id: int, clock_id: int):
        case = subject("case").get_for_user(request.user, case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock_extension_grant(case=case, clock_id=clock_id, actor=request.user, **data.validated_data)
        clock = next(c for c in clock_list_for_case(case=case) if c.pk == clock_id)
        return Response(ClockOutputSerializer(clock).data)
