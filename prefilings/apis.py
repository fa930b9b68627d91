"""REST API of the pre-filing track under /api/v1/prefilings/: list, create,
detail, and one generated POST per step (core.step_apis, from the
declarations in prefilings/steps.py); same permissions as the pages (a
filing the user may not see is a 404)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit
from cases.serializers import ActionSerializer
from core.downloads import FileDownloadApi
from core.pagination import PaginatedListMixin, paginated_response
from core.step_apis import StepApi
from core.step_apis import step_apis as core_step_apis
from core.steps import step_get
from deadlines.apis import ClockExtendApi, ClockOutputSerializer
from deadlines.selectors import clock_list_for_case
from policies.models import PolicyItem

from . import services
from .models import EarlyWarning, PreFiling
from .selectors import (
    prefiling_detail_for_user,
    prefiling_get_for_user,
    prefiling_list_for_user,
)
from .views import letter_response

NOT_VISIBLE = OpenApiResponse(description=_("Not found, or not visible to you"))
REFUSED = OpenApiResponse(description=_("Refused: permission (403), illegal status (409) or invalid input (400)"))


class PreFilingRiskSerializer(serializers.Serializer):
    risk = serializers.CharField(max_length=1000)
    control = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class PreFilingProcedureSerializer(serializers.Serializer):
    done = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True, required=False, default="")


class PreFilingProceduresSerializer(serializers.Serializer):
    collective_decision = PreFilingProcedureSerializer(required=False)
    expert_consultation = PreFilingProcedureSerializer(required=False)
    hearing = PreFilingProcedureSerializer(required=False)
    legal_review = PreFilingProcedureSerializer(required=False)


class PreFilingListOutputSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")
    # The enum is declared once (on the detail): one "status" enum used by
    # two components would collide with the other apps' status enums.
    status = serializers.CharField(help_text="As PreFilingDetailOutput.status.")
    open_warning_count = serializers.IntegerField()

    class Meta:
        model = PreFiling
        fields = ["id", "number", "title", "status", "unit", "period_start", "period_end", "review_due",
                  "next_report_due", "open_warning_count", "created_at"]


class PreFilingReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    reported_by = serializers.CharField(source="reported_by.display_name")
    answers_due = serializers.DateField(allow_null=True)
    summary = serializers.CharField()
    risks = serializers.JSONField()
    any_realised = serializers.BooleanField()


class PreFilingWarningOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = EarlyWarning
        fields = ["id", "source", "description", "due_date", "status", "resolution", "resolution_note",
                  "resolved_on", "created_at"]


class PreFilingEventOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor.display_name", allow_null=True, default=None)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()


class PreFilingCitationOutputSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    case_number = serializers.CharField(source="case.number")
    case_title = serializers.CharField(source="case.title")
    created_at = serializers.DateTimeField()


class PreFilingDetailOutputSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")
    status = serializers.ChoiceField(choices=PreFiling.Status.choices)
    filed_by = serializers.CharField(source="filed_by.display_name")
    risks = PreFilingRiskSerializer(many=True)
    procedures = serializers.JSONField()
    reports = PreFilingReportOutputSerializer(many=True)
    warnings = PreFilingWarningOutputSerializer(many=True)
    events = PreFilingEventOutputSerializer(many=True)
    citations = PreFilingCitationOutputSerializer(many=True)
    letter = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="The steps you may take on the filing now (the page's forms; prefilings/steps.py).")

    class Meta:
        model = PreFiling
        fields = ["id", "number", "title", "status", "actions", "unit", "filed_by", "measure", "reasons", "risks",
                  "procedures", "area", "responsible", "period_start", "period_end", "report_interval_days",
                  "submitted_at", "review_due", "review_due_flagged", "registered_at", "next_report_due",
                  "closed_at", "reports", "warnings", "events", "citations", "letter"]

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, obj) -> list[dict]:
        # As a case's: name and label of each step (cases.serializers).
        request = self.context.get("request")
        names = services.prefiling_actions_for_user(filing=obj, user=request.user) if request else []
        return [{"name": name, "label": str(step_get(name, "prefiling").label)} for name in names]

    @extend_schema_field(inline_serializer("PreFilingLetterOutput", {
        "number": serializers.CharField(), "status": serializers.CharField(), "sha256": serializers.CharField(),
        "issued_on": serializers.DateField(), "download_url": serializers.CharField(allow_null=True)},
        allow_null=True))
    def get_letter(self, obj) -> dict | None:
        letter = getattr(obj, "letter", None)
        if letter is None:
            return None
        return {"number": letter.number, "status": letter.status, "sha256": letter.sha256,
                "issued_on": letter.issued_on.isoformat(),
                "download_url": f"/api/v1/prefilings/{obj.pk}/letter/" if letter.is_ready else None}


def _detail(request, filing_id: int) -> Response:
    filing = prefiling_detail_for_user(user=request.user, prefiling_id=filing_id)
    return Response(PreFilingDetailOutputSerializer(filing, context={"request": request}).data)


class PreFilingListCreateApi(PaginatedListMixin, APIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=PreFiling.Status.choices, required=False)
        q = serializers.CharField(required=False, allow_blank=True)
        queue = serializers.ChoiceField(choices=["mine", "intake", "warnings"], required=False)

    class InputSerializer(serializers.Serializer):
        # A related field: an id that names no unit is the one 404 of
        # core.exceptions, and the schema says so (core.schema).
        unit = serializers.PrimaryKeyRelatedField(
            queryset=OrgUnit.objects.all(), required=False, help_text="Org unit id; default: your own unit.")
        title = serializers.CharField(max_length=200)
        measure = serializers.CharField(required=False, allow_blank=True)
        reasons = serializers.CharField(required=False, allow_blank=True)
        risks = PreFilingRiskSerializer(many=True, required=False)
        procedures = PreFilingProceduresSerializer(
            required=False, help_text="Only the decision procedures the policy version's 防错 rules name are kept.")
        area = serializers.PrimaryKeyRelatedField(
            queryset=PolicyItem.objects.filter(kind=PolicyItem.Kind.PREVENTION_AREA), required=False,
            allow_null=True, help_text="Id of an error-prevention area (防错重点范围, item kind prevention_area) of "
                                       "the policy version in force; another version's is refused with 422.")
        responsible = serializers.CharField(required=False, allow_blank=True)
        period_start = serializers.DateField(required=False, allow_null=True)
        period_end = serializers.DateField(required=False, allow_null=True)

    @extend_schema(operation_id="prefilings_list", summary=_("List pre-filings"), parameters=[FilterSerializer],
                   responses=PreFilingListOutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        queue = data.pop("queue", None)
        qs = prefiling_list_for_user(user=request.user, filters=data, queue=queue)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PreFilingListOutputSerializer)

    @extend_schema(operation_id="prefilings_create", summary=_("Create a pre-filing draft"), request=InputSerializer,
                   responses={201: PreFilingDetailOutputSerializer, 400: REFUSED, 403: REFUSED})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit = values.pop("unit", None)
        filing = services.prefiling_create(actor=request.user, unit=unit, **values)
        response = _detail(request, filing.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class PreFilingDetailApi(APIView):
    @extend_schema(operation_id="prefilings_retrieve", summary=_("Read a pre-filing"), responses={200: PreFilingDetailOutputSerializer,
                                                                  404: NOT_VISIBLE})
    def get(self, request, prefiling_id: int):
        return _detail(request, prefiling_id)


# --- Steps: one generated POST endpoint each, one response shape ------------------------------
#
# Every step of a pre-filing with a service (prefilings/steps.py) gets
# POST /api/v1/prefilings/{id}/<step>/ from core.step_apis, as case steps get
# theirs: the step's ``input`` (declared with the step,
# prefilings/steps.py), its one service, and one answer: the
# filing as GET /api/v1/prefilings/{id}/ returns it (its ``actions``
# included) plus ``step``, naming the step and the record it made. The
# statuses are the project's (core.exceptions): 400 the input breaks the
# schema, 422 a service's rule, 409 the status or the step's readiness, 403
# a role that may not act, 404 a filing the caller may not see.


class PreFilingStepApi(StepApi):
    # What a pre-filing's step endpoints have of their own (core.step_apis.StepApi).
    subject = "prefiling"
    url_kwarg = "prefiling_id"
    detail_serializer = PreFilingDetailOutputSerializer
    response_name = "PreFilingStepResponseSerializer"
    response_doc = "The answer of every pre-filing step endpoint."
    class_prefix = "PreFiling"
    not_visible = NOT_VISIBLE

    @staticmethod
    def read(user, pk):
        return prefiling_detail_for_user(user=user, prefiling_id=pk)

    @classmethod
    def tag(cls, step) -> str:
        return "prefilings"


def step_apis() -> dict:
    """name -> view class, for every pre-filing step that has a service."""
    return core_step_apis(PreFilingStepApi)


# --- Clocks: the filing's time limits, extended as a case's ---------------------------------


class PreFilingClockListApi(APIView):
    @extend_schema(operation_id="prefilings_clocks_list", summary=_("A pre-filing's time limits"),
                   responses={200: ClockOutputSerializer(many=True), 404: NOT_VISIBLE})
    def get(self, request, prefiling_id: int):
        filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
        return Response(ClockOutputSerializer(clock_list_for_case(record=filing), many=True).data)


class PreFilingClockExtendApi(APIView):
    # The case's input (deadlines.apis): days and the reason.
    @extend_schema(operation_id="prefilings_clock_extend",
                   summary=_("Extend a time limit of a pre-filing, with the reason"),
                   request=ClockExtendApi.InputSerializer, responses={200: ClockOutputSerializer, 404: NOT_VISIBLE})
    def post(self, request, prefiling_id: int, clock_id: int):
        filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
        data = ClockExtendApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.prefiling_clock_extend(filing=filing, clock_id=clock_id, actor=request.user, **data.validated_data)
        clock = next(c for c in clock_list_for_case(record=filing) if c.pk == clock_id)
        return Response(ClockOutputSerializer(clock).data)


class PreFilingLetterApi(FileDownloadApi):
    file_media_types = ("application/pdf",)

    @extend_schema(operation_id="prefilings_letter_download", summary=_("Download the registration letter (PDF)"),
                   responses={**FileDownloadApi.schema_response(_("The registration letter's PDF."), file_media_types),
                              404: NOT_VISIBLE})
    def get(self, request, prefiling_id: int):
        filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
        return letter_response(filing)

