"""GET /api/v1/stats/: the dashboard's figures, scoped like the page."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import dashboard_may_view, dashboard_stats


class _CountSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class _StageCountSerializer(_CountSerializer):
    stage = serializers.CharField()


class _ResultCountSerializer(_CountSerializer):
    result = serializers.CharField()


class _RateSerializer(serializers.Serializer):
    name = serializers.CharField()
    decided = serializers.IntegerField()
    exempt = serializers.IntegerField()
    mitigated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    exempt_rate = serializers.FloatField(help_text="免责率: exempt rulings as a percentage of decided cases.")
    tolerance_rate = serializers.FloatField(
        help_text="容错率: exempt and mitigated rulings as a percentage of decided cases.")


class _StageTimeSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    cases = serializers.IntegerField(help_text="Cases that completed a stay in the stage.")
    avg_days = serializers.FloatField()
    median_days = serializers.FloatField()
    max_days = serializers.FloatField()


class _OverdueCaseSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    due_date = serializers.DateField()
    days_overdue = serializers.IntegerField()


class _OverdueSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Cases overdue: exact up to 1000, an estimate beyond.")
    count_approximate = serializers.BooleanField(help_text="Whether count is an estimate.")
    cases = _OverdueCaseSerializer(many=True)


class _TrendSerializer(serializers.Serializer):
    month = serializers.CharField()
    submitted = serializers.IntegerField()
    ruled = serializers.IntegerField()


class _DecisionRowSerializer(serializers.Serializer):
    result = serializers.CharField(help_text="The ruling's result when the decision was recorded, or revoked.")
    label = serializers.CharField()
    decisions = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Counts of 免予问责, 从轻, 减轻, 问责 (the accountability organ's decisions), in that order.")
    total = serializers.IntegerField()


class StatsApi(APIView):
    class FilterSerializer(serializers.Serializer):
        jurisdiction = serializers.IntegerField(required=False, help_text="Org unit id of a jurisdiction.")
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)

    class OutputSerializer(serializers.Serializer):
        total = serializers.IntegerField()
        by_stage = _StageCountSerializer(many=True)
        by_result = _ResultCountSerializer(many=True)
        rate_by_jurisdiction = _RateSerializer(many=True)
        rate_by_scenario = _RateSerializer(many=True)
        time_per_stage = _StageTimeSerializer(many=True)
        overdue = _OverdueSerializer()
        trend = _TrendSerializer(many=True)
        decision_vs_ruling = _DecisionRowSerializer(many=True)

    @extend_schema(operation_id="stats", summary=_("Figures of the cases (staff)"), description=_("Figures of the cases the caller may see (staff only)."), parameters=[FilterSerializer], responses=OutputSerializer, tags=["stats"])
    def get(self, request):
        """Figures of the cases the caller may see (staff only)."""
        if not dashboard_may_view(user=request.user):
            raise PermissionDenied
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        stats = dashboard_stats(user=request.user, filters=f.validated_data)
        return Response(self.OutputSerializer(stats).data)
