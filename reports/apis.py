"""GET /api/v1/reports/yearly/: the yearly report's figures, as on the page."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class _FigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable name of the figure (negative items and uses: a hash of "
                                          "the item's wording).")
    label = serializers.CharField()
    definition = serializers.CharField(help_text="What the figure counts.")
    value = serializers.SerializerMethodField(help_text="A count of cases, or a rate as text (e.g. \"66.7%\").")
    indent = serializers.BooleanField(help_text="A part of the figure above it.")

    def get_value(self, figure) -> str | int:
        return figure.count


class _SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField()
    figures = _FigureSerializer(many=True)


class _StageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    ended = serializers.IntegerField(help_text="Stage clocks that ended in the year.")
    median_days = serializers.FloatField(allow_null=True, help_text="Calendar days, paused time excluded.")
    max_days = serializers.IntegerField(allow_null=True)
    overdue = serializers.IntegerField(help_text="Stages overdue in the year.")


class _JurisdictionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class YearlyReportApi(APIView):
    class FilterSerializer(serializers.Serializer):
        jurisdiction = serializers.IntegerField(help_text="Org unit id of a jurisdiction the caller handles.")
        year = serializers.IntegerField(min_value=2000, max_value=2100)

    class OutputSerializer(serializers.Serializer):
        jurisdiction = _JurisdictionSerializer()
        year = serializers.IntegerField()
        cutoff = serializers.DateField(help_text="Figures as of this day (the year's end, or today).")
        sections = _SectionSerializer(many=True)
        stages = _StageSerializer(many=True)
        overdue_total = serializers.IntegerField()

    @extend_schema(operation_id="reports_yearly", summary=gettext_lazy("The yearly statistics table (年度统计表)"), parameters=[FilterSerializer], responses=OutputSerializer,
                   description=gettext_lazy(
                       "年度容错纠错工作情况统计表: the figures a commission files for one jurisdiction and year (staff "
                       "of that jurisdiction only). 免责率 = exempt rulings / rulings; 容错率 = (exempt + mitigated) / "
                       "rulings."),
                   tags=["reports"])
    def get(self, request):
        """年度容错纠错工作情况统计表: the figures a commission files for one
        jurisdiction and year (staff of that jurisdiction only). 免责率 =
        exempt rulings / rulings; 容错率 = (exempt + mitigated) / rulings."""
        if not selectors.report_may_view(user=request.user):
            raise PermissionDenied
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        jurisdiction = selectors.report_jurisdictions(user=request.user).filter(
            pk=f.validated_data["jurisdiction"]).first()
        if jurisdiction is None:
            # A well-formed id, but not a jurisdiction the caller handles: a
            # rule beyond the schema (core.exceptions: 422).
            raise ValidationError({"jurisdiction": [_(selectors.NO_JURISDICTION)]})
        report = selectors.yearly_report(jurisdiction=jurisdiction, year=f.validated_data["year"])
        return Response(self.OutputSerializer(report).data)
