"""API of the organization department's work (the two case steps after a
ruling, accountability decision and revocation, are declared with their
inputs in careers/steps.py and their endpoints generated). Same permissions as the
pages (the services check them); a record the caller may not see is a 404
before the input is read."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis import service_answer
from core.pagination import PaginatedListMixin, paginated_response

from . import selectors, services
from .models import Decision, FollowUp, ResultUse


class ApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occasion = serializers.CharField()
    outcome = serializers.CharField()
    applied_on = serializers.DateField()
    note = serializers.CharField()
    next_due = serializers.DateField(allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.display_name")


class ResultUseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    ruling = serializers.IntegerField(source="ruling_id")
    cadre = serializers.IntegerField(source="cadre_id")
    cadre_name = serializers.CharField(source="cadre.display_name")
    title = serializers.CharField()
    text = serializers.CharField()
    result = serializers.CharField()
    impact_months = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=ResultUse.Status.choices)
    withdrawn_reason = serializers.CharField()
    applications = ApplicationOutputSerializer(many=True, source="applications.all")


class ResultUseListApi(PaginatedListMixin, APIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ResultUse.Status.choices, required=False)
        case = serializers.IntegerField(required=False)

    @extend_schema(operation_id="result_uses_list", summary=_("Result uses (结果运用) the caller may see"),
                   parameters=[FilterSerializer], responses=ResultUseOutputSerializer(many=True), tags=["careers"])
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.obligation_list_for_user(user=request.user, status=filters.validated_data.get("status"),
                                                case_id=filters.validated_data.get("case"))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ResultUseOutputSerializer)


class ResultUseDetailApi(APIView):
    @extend_schema(operation_id="result_uses_detail", summary=_("One result use with how it was applied"),
                   responses={200: ResultUseOutputSerializer, 404: OpenApiResponse(description=_("Not visible"))},
                   tags=["careers"])
    def get(self, request, use_id: int):
        obligation = selectors.obligation_get_for_user(user=request.user, obligation_id=use_id)
        return Response(ResultUseOutputSerializer(obligation).data)


class ResultUseApplyApi(APIView):
    class InputSerializer(serializers.Serializer):
        occasion = serializers.CharField(max_length=200)
        outcome = serializers.CharField(max_length=200)
        applied_on = serializers.DateField()
        note = serializers.CharField(required=False, default="", allow_blank=True)
        next_due = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(operation_id="result_uses_apply", summary=_("Record how a result use was applied"),
                   request=InputSerializer,
                   responses={200: ResultUseOutputSerializer, 404: OpenApiResponse(description=_("Not visible"))},
                   tags=["careers"])
    def post(self, request, use_id: int):
        obligation = selectors.obligation_get_for_user(user=request.user, obligation_id=use_id)
        # Answered with the use as its selector reads it again (with the new application).
        return service_answer(request, services.use_apply, input=self.InputSerializer,
                              output=ResultUseOutputSerializer, obligation=obligation,
                              read=lambda _: selectors.obligation_get_for_user(user=request.user,
                                                                               obligation_id=use_id))


class FollowUpOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    kind = serializers.ChoiceField(choices=FollowUp.Kind.choices)
    status = serializers.ChoiceField(choices=FollowUp.Status.choices)
    due_date = serializers.DateField(source="clock.due_date", allow_null=True, default=None)
    held_on = serializers.DateField(allow_null=True)
    participants = serializers.CharField()
    summary = serializers.CharField(help_text="Empty for the cadre himself: the talk's notes are internal "
                                              "(its events are, careers/events.py).")
    uses_respected = serializers.BooleanField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The event registry decides (selectors.followup_details_visible).
        user = getattr(self.context.get("request"), "user", None)
        if not selectors.followup_details_visible(followup=instance, user=user):
            data["summary"] = ""
        return data


class FollowUpListApi(PaginatedListMixin, APIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=FollowUp.Status.choices, required=False)

    @extend_schema(operation_id="followups_list", summary=_("Follow-ups (谈心谈话, 跟踪回访) the caller may see"),
                   parameters=[FilterSerializer], responses=FollowUpOutputSerializer(many=True), tags=["careers"])
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.followup_list_for_user(user=request.user, status=filters.validated_data.get("status"))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=FollowUpOutputSerializer,
                                  context={"request": request})


class FollowUpRecordApi(APIView):
    class InputSerializer(serializers.Serializer):
        held_on = serializers.DateField()
        participants = serializers.CharField(max_length=300)
        summary = serializers.CharField()
        uses_respected = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(operation_id="followups_record", summary=_("Record a follow-up talk or visit"),
                   request=InputSerializer,
                   responses={200: FollowUpOutputSerializer, 404: OpenApiResponse(description=_("Not visible"))},
                   tags=["careers"])
    def post(self, request, followup_id: int):
        followup = selectors.followup_get_for_user(user=request.user, followup_id=followup_id)
        return service_answer(request, services.followup_record, input=self.InputSerializer,
                              output=FollowUpOutputSerializer, followup=followup)


# --- The cadre's record (容错档案) ------------------------------------------------------------


class RecordRulingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    result = serializers.CharField()
    mitigation = serializers.CharField()
    decided_on = serializers.DateField()
    is_current = serializers.BooleanField()


class RecordUseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ruling = serializers.IntegerField(source="ruling_id")
    title = serializers.CharField()
    impact_months = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=ResultUse.Status.choices)
    withdrawn_reason = serializers.CharField()
    applications = ApplicationOutputSerializer(many=True, source="applications.all")


class RecordFollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FollowUp.Kind.choices)
    status = serializers.ChoiceField(choices=FollowUp.Status.choices)
    due_date = serializers.DateField(source="clock.due_date", allow_null=True, default=None)
    held_on = serializers.DateField(allow_null=True)
    uses_respected = serializers.BooleanField(allow_null=True)


class RecordDecisionSerializer(serializers.Serializer):
    organ = serializers.CharField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    form = serializers.CharField()
    decided_on = serializers.DateField()
    document_number = serializers.CharField()
    follows_ruling = serializers.BooleanField(allow_null=True)


class RecordRevocationSerializer(serializers.Serializer):
    ruling = serializers.IntegerField(source="ruling_id")
    held_on = serializers.DateField()
    reason = serializers.CharField()


class RecordCorrectionSerializer(serializers.Serializer):
    status = serializers.CharField()
    started_on = serializers.DateField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class RecordClarificationSerializer(serializers.Serializer):
    status = serializers.CharField()
    scope = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)


def _one(case, name):
    # A reverse one-to-one that select_related read (None when absent).
    return getattr(case, name, None)


class RecordCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField(source="unit.name")
    stage = serializers.CharField()
    outcome = serializers.CharField()
    rulings = RecordRulingSerializer(many=True, source="rulings.all")
    result_uses = RecordUseSerializer(many=True, source="result_obligations.all")
    followups = RecordFollowUpSerializer(many=True, source="followups.all")
    accountability_decision = serializers.SerializerMethodField()
    revocation = serializers.SerializerMethodField()
    correction = serializers.SerializerMethodField()
    clarification = serializers.SerializerMethodField()

    @extend_schema_field(RecordDecisionSerializer(allow_null=True))
    def get_accountability_decision(self, case):
        found = _one(case, "accountability_decision")
        return RecordDecisionSerializer(found).data if found else None

    @extend_schema_field(RecordRevocationSerializer(allow_null=True))
    def get_revocation(self, case):
        found = _one(case, "revocation")
        return RecordRevocationSerializer(found).data if found else None

    @extend_schema_field(RecordCorrectionSerializer(allow_null=True))
    def get_correction(self, case):
        found = _one(case, "correction")
        return RecordCorrectionSerializer(found).data if found else None

    @extend_schema_field(RecordClarificationSerializer(allow_null=True))
    def get_clarification(self, case):
        found = _one(case, "clarification")
        return RecordClarificationSerializer(found).data if found else None


class CadreRecordSerializer(serializers.Serializer):
    cadre = serializers.IntegerField(source="cadre.pk")
    cadre_name = serializers.CharField(source="cadre.display_name")
    cases = RecordCaseSerializer(many=True)


class CadreRecordApi(APIView):
    @extend_schema(operation_id="cadres_record", summary=_("The cadre's record (容错档案)"),
                   description=_("His cases the caller may see (the cadre himself: all of his; the handling staff "
                                 "and the organization department: those of their jurisdiction), with rulings, "
                                 "result uses and their applications, follow-ups, decisions, corrections and "
                                 "clarifications. 404 for anyone else."),
                   responses={200: CadreRecordSerializer, 404: OpenApiResponse(description=_("Not visible"))},
                   tags=["careers"])
    def get(self, request, cadre_id: int):
        record = selectors.cadre_record_for_user(user=request.user, cadre_id=cadre_id)
        return Response(CadreRecordSerializer(record).data)


class TypicalCaseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    publication = serializers.IntegerField(source="publication_id")
    published_write_up = serializers.CharField()
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    created_at = serializers.DateTimeField()


class TypicalCaseMarkApi(APIView):
    class InputSerializer(serializers.Serializer):
        write_up = serializers.CharField(max_length=4000)

    @extend_schema(operation_id="typical_cases_mark", summary=_("Mark a published outcome as a typical case (典型案例)"),
                   description=_("The administrator of the publication marks it with a write-up (典型事迹), or "
                                 "replaces the write-up. The write-up is redacted with the publication's hidden "
                                 "terms; 422 while the cadre's name, ID number or phone remains, 409 when the "
                                 "outcome is not published, 404 for a publication the caller does not administer."),
                   request=InputSerializer,
                   responses={200: TypicalCaseOutputSerializer, 404: OpenApiResponse(description=_("Not visible"))},
                   tags=["careers"])
    def post(self, request, publication_id: int):
        publication = selectors.typical_case_publication_for_user(user=request.user, publication_id=publication_id)
        return service_answer(request, services.typical_case_mark, input=self.InputSerializer,
                              output=TypicalCaseOutputSerializer, publication=publication)

