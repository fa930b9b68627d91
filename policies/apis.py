"""Read-only policy API and the due-date explanation.

Published policies are public texts, so their GETs and the due-date call
allow anonymous access; drafts are never served here. Adopting a template
into a jurisdiction's draft is its administrator's (authenticated).
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.pagination import PaginatedListMixin, paginated_response

from . import calendar as workcal
from .models import Certainty, Jurisdiction, PolicyItem, PolicyVersion, TimeLimitStage, TimeUnit
from .selectors import (
    adoption_preview,
    adoption_templates,
    jurisdiction_admin_can,
    policy_version_get,
    policy_version_list,
    time_limits_in_stage_order,
)
from .services import (
    AMOUNT_TOO_LARGE,
    ERR_ADOPT_NOT_ADMIN,
    ERR_ADOPT_TITLE,
    FLAGGED_WARNING,
    policy_version_adopt_template,
    policy_version_unconfirmed,
)


class _VersionBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    start_rule = serializers.CharField()
    jurisdiction = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()

    def get_jurisdiction(self, v) -> dict:
        j = v.document.jurisdiction
        return {"code": j.code, "name": j.name, "case_prefix": j.case_prefix, "letter_prefix": j.letter_prefix}

    def get_document(self, v) -> dict:
        d = v.document
        return {"code": d.code, "title": d.title, "issuer": d.issuer, "number": d.number, "source": d.source}


class PolicyItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    number = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    source = serializers.CharField()
    article = serializers.CharField()
    certainty = serializers.ChoiceField(choices=Certainty.choices)
    certainty_label = serializers.CharField(source="get_certainty_display")
    confirmed_at = serializers.DateTimeField(allow_null=True)
    default_duration_months = serializers.IntegerField(allow_null=True)
    exempt_duration_months = serializers.IntegerField(allow_null=True)
    duration_certainty = serializers.CharField()
    # Where an item copied from a template came from (issue 16); {} if not.
    taken_from = serializers.JSONField()


class StageTimeLimitOutputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=TimeLimitStage.choices)
    stage_label = serializers.CharField(source="get_stage_display")
    amount = serializers.IntegerField()
    unit = serializers.ChoiceField(choices=TimeUnit.choices)
    unit_label = serializers.CharField(source="get_unit_display")
    extension_allowed = serializers.BooleanField()
    extension_max = serializers.IntegerField()
    source = serializers.CharField()
    certainty = serializers.ChoiceField(choices=Certainty.choices)
    certainty_label = serializers.CharField(source="get_certainty_display")


class PolicyListApi(PaginatedListMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        jurisdiction = serializers.SlugField(required=False, help_text="Jurisdiction code, e.g. kunming")

    class OutputSerializer(_VersionBaseSerializer):
        counts = serializers.SerializerMethodField()

        def get_counts(self, v) -> dict:
            counts = {kind: getattr(v, f"count_{kind}") for kind in PolicyItem.Kind.values}
            counts["time_limits"] = v.count_time_limits
            return counts

    @extend_schema(
        parameters=[FilterSerializer],
        responses=OutputSerializer(many=True),
        summary=gettext_lazy("Published policy versions"),
        operation_id="policies_list",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = policy_version_list(jurisdiction_code=filters.validated_data.get("jurisdiction"))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=self.OutputSerializer)


class PolicyDetailApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class OutputSerializer(_VersionBaseSerializer):
        notes = serializers.CharField()
        quorum = serializers.SerializerMethodField()
        items = PolicyItemOutputSerializer(many=True)
        time_limits = serializers.SerializerMethodField()

        def get_quorum(self, v) -> dict:
            return {"numerator": v.quorum_numerator, "denominator": v.quorum_denominator}

        @extend_schema_field(StageTimeLimitOutputSerializer(many=True))
        def get_time_limits(self, v):
            return StageTimeLimitOutputSerializer(time_limits_in_stage_order(v), many=True).data

    @extend_schema(
        responses=OutputSerializer, operation_id="policies_retrieve",
        summary=gettext_lazy("A published policy version with all items and time limits"),
    )
    def get(self, request, version_id: int):
        version = policy_version_get(version_id=version_id)
        return Response(self.OutputSerializer(version).data)


class DueDateDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField(help_text="工作日, 周末, 国庆节, 调休上班（国庆节）, ...")
    known = serializers.BooleanField(help_text="False: no calendar data for the year")


class DueDateApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        start = serializers.DateField(help_text="YYYY-MM-DD: the day of the triggering event")
        amount = serializers.IntegerField(
            min_value=0, max_value=max(workcal.MAX_AMOUNT.values()),
            help_text="At most " + ", ".join(f"{n} for {u}" for u, n in workcal.MAX_AMOUNT.items())
            + " (a larger amount for its unit is a 422).",
        )
        unit = serializers.ChoiceField(choices=TimeUnit.choices)
        start_rule = serializers.ChoiceField(
            choices=PolicyVersion.StartRule.choices, default=PolicyVersion.StartRule.NEXT_DAY, required=False
        )

    class OutputSerializer(serializers.Serializer):
        start = serializers.DateField()
        amount = serializers.IntegerField()
        unit = serializers.CharField()
        start_rule = serializers.CharField()
        due = serializers.DateField()
        counted = DueDateDaySerializer(many=True)
        skipped = DueDateDaySerializer(many=True)
        flagged = serializers.BooleanField()
        unknown_years = serializers.ListField(child=serializers.IntegerField())
        warning = serializers.CharField(allow_null=True)

    @extend_schema(
        parameters=[InputSerializer],
        responses=OutputSerializer,
        summary=gettext_lazy("Explain a due date: days counted, days skipped and why, flagged years"),
        operation_id="calendar_due_date",
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        # The maximum depends on the unit: a rule across two parameters,
        # which a schema cannot state (core.exceptions: 422).
        top = workcal.MAX_AMOUNT[data.validated_data["unit"]]
        if data.validated_data["amount"] > top:
            raise ValidationError({"amount": _(AMOUNT_TOO_LARGE) % {"max": top}})
        try:
            result = workcal.compute_due_date(
                data.validated_data["start"], data.validated_data["amount"], data.validated_data["unit"],
                start_rule=data.validated_data.get("start_rule") or workcal.NEXT_DAY,
            )
        except workcal.CalendarInputError as exc:
            raise ValidationError({"start": str(exc)}) from exc
        body = result.as_dict()
        body["warning"] = (
            _(FLAGGED_WARNING) % {"years": "、".join(str(y) for y in result.unknown_years)}
            if result.flagged else None
        )
        return Response(body)


class AdoptionTemplateListApi(APIView):
    class OutputSerializer(_VersionBaseSerializer):
        shipped = serializers.BooleanField(help_text="One of the shipped example catalogues")
        counts = serializers.SerializerMethodField()
        unconfirmed = serializers.SerializerMethodField()
        procedure_not_copied = serializers.SerializerMethodField()

        def get_counts(self, v) -> dict:
            counts = {kind: getattr(v, f"count_{kind}") for kind in PolicyItem.Kind.values}
            counts["time_limits"] = v.count_time_limits
            return counts

        def get_unconfirmed(self, v) -> int:
            # In the adopting draft every copied item and limit is.
            return sum(self.get_counts(v).values())

        def get_procedure_not_copied(self, v) -> list[str]:
            return sorted((v.procedure or {}).keys())

    @extend_schema(
        responses={200: OutputSerializer(many=True),
                   403: OpenApiResponse(description=gettext_lazy("Not an administrator of the jurisdiction")),
                   404: OpenApiResponse(description=gettext_lazy("No such jurisdiction or template"))},
        summary=gettext_lazy("The templates a jurisdiction may adopt, with what each would copy"),
        operation_id="policies_adoption_templates",
    )
    def get(self, request, code: str):
        jurisdiction = get_object_or_404(Jurisdiction, code=code)
        if not jurisdiction_admin_can(user=request.user, jurisdiction=jurisdiction):
            raise ApplicationError(_(ERR_ADOPT_NOT_ADMIN) % {"jurisdiction": jurisdiction.name},
                                   code="permission_denied", status_code=403)
        templates = adoption_templates(jurisdiction=jurisdiction)
        return Response(self.OutputSerializer(templates, many=True).data)


class AdoptTemplateApi(APIView):
    """Adopt another jurisdiction's published version as the template of
    this jurisdiction's own draft (issue 16)."""

    class InputSerializer(serializers.Serializer):
        template = serializers.PrimaryKeyRelatedField(
            queryset=PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED),
            help_text="Id of a published version of another jurisdiction (a shipped catalogue or not)")
        title = serializers.CharField(
            max_length=300, help_text="Title of the jurisdiction's own 办法: letters cite it",
            error_messages={"required": gettext_lazy(ERR_ADOPT_TITLE), "blank": gettext_lazy(ERR_ADOPT_TITLE)})
        document_number = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
        issuer = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
        effective_from = serializers.DateField(required=False, allow_null=True, default=None,
                                               help_text="Empty: today (or after the version in force)")

    class OutputSerializer(_VersionBaseSerializer):
        template = serializers.SerializerMethodField()
        counts = serializers.SerializerMethodField()
        unconfirmed = serializers.SerializerMethodField()
        procedure_not_copied = serializers.SerializerMethodField()

        def _preview(self, v) -> dict:
            return self.context["preview"]

        def get_template(self, v) -> dict:
            t = self._preview(v)["template"]
            return {"id": t.pk, "number": t.number, "jurisdiction": t.document.jurisdiction.code,
                    "document_title": t.document.title}

        def get_counts(self, v) -> dict:
            counts = {row["kind"]: row["count"] for row in self._preview(v)["lists"]}
            counts["time_limits"] = self._preview(v)["time_limits"]
            return counts

        def get_unconfirmed(self, v) -> int:
            return len(policy_version_unconfirmed(v))

        def get_procedure_not_copied(self, v) -> list[str]:
            return self._preview(v)["procedure_not_copied"]

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer,
                   403: OpenApiResponse(description=gettext_lazy("Not an administrator of the jurisdiction")),
                   404: OpenApiResponse(description=gettext_lazy("No such jurisdiction or template")),
                   409: OpenApiResponse(description=gettext_lazy("The jurisdiction already has an open draft")),
                   422: OpenApiResponse(description=gettext_lazy(
                       "The template is the jurisdiction's own, or the title is another jurisdiction's document"))},
        summary=gettext_lazy("Adopt another jurisdiction's published version as the template of this "
                             "jurisdiction's draft"),
        description=gettext_lazy(
            "Every item and time limit is copied with where it came from, none confirmed: items are marked "
            "参照同类规定拟定（待核定）, time limits are example defaults, until an administrator confirms each "
            "against the jurisdiction's own text. The procedure settings are not copied."),
        operation_id="policies_adopt_template",
    )
    def post(self, request, code: str):
        jurisdiction = get_object_or_404(Jurisdiction, code=code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        draft = policy_version_adopt_template(
            jurisdiction=jurisdiction, template=values["template"], actor=request.user, title=values["title"],
            document_number=values["document_number"], issuer=values["issuer"],
            effective_from=values["effective_from"])
        draft = PolicyVersion.objects.select_related("document__jurisdiction").get(pk=draft.pk)
        body = self.OutputSerializer(draft, context={"preview": adoption_preview(values["template"])}).data
        return Response(body, status=201)
