"""REST API of filing and intake (issue 4), under /api/v1/cases/.

Thin: each view parses its input, fetches the case through the visibility
selector and calls one service. The permissions are the browser's, because
they live in the selectors and services:

- a case the caller may not see is a 404 that leaks nothing (checked before
  the input, so a bad body never tells an outsider the case exists);
- an action the caller may not take is the service's 403, an action
  illegal at the current stage its 409, bad input a 400;
- all in the project's one error shape (core.exceptions).
"""


from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit
from core.downloads import FileDownloadApi
from core.pagination import CursorPagination, PaginatedListMixin, paginated_response
from core.serializers import QueryBooleanField
from core.step_apis import StepApi, record_as_seen
from core.step_apis import step_apis as core_step_apis
from core.validators import date_not_in_future
from policies.models import PolicyItem

from . import services
from .models import Attachment, Origin, Outcome, Stage
from .selectors import (
    case_attachment_get_for_user,
    case_detail_for_user,
    case_events_for_user,
    case_get_for_user,
    case_list_count_key,
    case_list_values,
    events_redact,
)
from .serializers import (
    AttachmentSerializer,
    CaseDetailSerializer,
    CaseListItemSerializer,
    ErrorSerializer,
    EventSerializer,
)
from .uploads import ACCEPTED_TYPES, attachment_file_response

TAGS = ["cases"]
# Error responses (400/401/403/404/409, the one error shape) are added to
# every operation by core.schema.AutoSchema.
NOT_VISIBLE = OpenApiResponse(ErrorSerializer, description=_("No such case, or not visible to the caller."))


def _detail_response(request, case, *, status_code=status.HTTP_200_OK) -> Response:
    """The case detail as the caller now sees it (core.step_apis.record_as_seen)."""
    detail = record_as_seen(CaseStepApi.read, request.user, case)
    return Response(CaseDetailSerializer(detail, context={"request": request}).data, status=status_code)


# --- Drafts: list, create, read, edit ------------------------------------------------


class _CaseFieldsInput(serializers.Serializer):
    """The fields an applicant fills in a draft (cases.services.EDITABLE_FIELDS)."""

    title = serializers.CharField(max_length=200)
    matter = serializers.CharField(required=False, allow_blank=True)
    matter_date = serializers.DateField(required=False, allow_null=True, validators=[date_not_in_future])
    impact = serializers.CharField(required=False, allow_blank=True)
    trigger = serializers.CharField(required=False, allow_blank=True)
    accountability_considered = serializers.CharField(required=False, allow_blank=True)
    facts_reasons = serializers.CharField(required=False, allow_blank=True)
    remedial_steps = serializers.CharField(required=False, allow_blank=True)
    collective_decision = serializers.BooleanField(required=False)
    collective_decision_note = serializers.CharField(required=False, allow_blank=True)
    self_check = serializers.JSONField(
        required=False,
        help_text=_("A unit application's self-check: {\"conditions\": {item id: true/false}, "
                    "\"negative\": {item id: true/false}, \"note\": \"…\"}."),
    )
    # Whether they belong to the case's policy version is the service's check.
    claimed_scenarios = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=PolicyItem.objects.all(),
        help_text=_("Ids of positive-list scenarios of the case's policy version."),
    )


class CaseListApi(PaginatedListMixin, APIView):
    """GET: the cases the caller may see, filtered; POST: a new draft."""

    # Read by keyset; a cursor that is not one of this list's is a 404.
    pagination_class = CursorPagination
    schema_error_statuses = (404,)

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(
            required=False, allow_blank=True, max_length=200,
            help_text=_("Search the number, names, title and text (Chinese substrings work)."),
        )
        stage = serializers.ChoiceField(choices=Stage.choices, required=False)
        origin = serializers.ChoiceField(choices=Origin.choices, required=False)
        outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
        jurisdiction = serializers.IntegerField(
            required=False, min_value=1, help_text=_("Id of the jurisdiction (an org unit).")
        )
        # Absent means "either", not "false".
        overdue = QueryBooleanField(help_text=_("true: only overdue cases; false: only cases not overdue."))
        date_from = serializers.DateField(required=False, help_text=_("Submitted on or after this date."))
        date_to = serializers.DateField(required=False, help_text=_("Submitted on or before this date."))
        queue = serializers.ChoiceField(
            choices=[("mine", _("My cases")), ("unit", _("Unit review queue")), ("intake", _("Intake queue"))],
            required=False,
        )

    class InputSerializer(_CaseFieldsInput):
        # Proactive cases are opened by inspectors (cases/proactive/): not
        # a choice here, so the schema does not offer it (the service still
        # refuses it for any other caller, with the same message).
        origin = serializers.ChoiceField(
            choices=[c for c in Origin.choices if c[0] not in (Origin.PROACTIVE, Origin.REPORT)],
            default=Origin.INDIVIDUAL,
            error_messages={"invalid_choice": services.ORIGIN_NOT_APPLICATION},
        )
        unit = serializers.PrimaryKeyRelatedField(
            queryset=OrgUnit.objects.all(), required=False,
            help_text=_("The unit the application is for; by default the caller's own unit."),
        )

    @extend_schema(
        operation_id="cases_list", summary=_("List cases"), tags=TAGS,
        description=_("The cases the caller may see, filtered."),
        parameters=[FilterSerializer], responses=CaseListItemSerializer(many=True),
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        queue = data.pop("queue", None)
        self.count_key = case_list_count_key(user=request.user, filters=data, queue=queue)
        # The key says everything case_list_values reads of the reader and
        # the filters: its SQL is compiled once per process for it, and the
        # queryset made only then (core.pagination._COMPILED).
        self.sql_key = ("cases.apis.CaseListApi", self.count_key)
        return paginated_response(request=request, view=self, serializer_class=CaseListItemSerializer,
                                  queryset=lambda: case_list_values(user=request.user, filters=data, queue=queue))

    @extend_schema(
        operation_id="cases_create", summary=_("Create a draft"), tags=TAGS,
        description=_("A new draft of the caller's application."),
        request=InputSerializer, responses={201: CaseDetailSerializer},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_create(actor=request.user, **data.validated_data)
        return _detail_response(request, case, status_code=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    """GET: one case with its history, files and the caller's actions;
    PATCH: edit a draft."""

    class InputSerializer(_CaseFieldsInput):
        pass

    @extend_schema(
        operation_id="cases_retrieve", summary=_("Read a case"), tags=TAGS,
        description=_("One case with its history, files and the caller's actions."),
        responses={200: CaseDetailSerializer, 404: NOT_VISIBLE},
    )
    def get(self, request, case_id):
        case = case_detail_for_user(user=request.user, case_id=case_id)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)

    @extend_schema(
        operation_id="cases_partial_update", summary=_("Edit a draft"), tags=TAGS,
        description=_("Edit a draft (only while it is a draft)."),
        request=InputSerializer, responses={200: CaseDetailSerializer, 404: NOT_VISIBLE},
    )
    def patch(self, request, case_id):
        case = case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.case_update(case=case, actor=request.user, **data.validated_data)
        return _detail_response(request, case)


class CaseEventListApi(PaginatedListMixin, APIView):
    """GET: the case's history, oldest first, as its page's timeline shows
    it to the caller: the applicant and his unit see that an internal step
    (an interview, a vote) happened, not what was said (cases.selectors
    .events_redact)."""

    # Read by keyset on the id: the history only grows.
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="cases_events_list", summary=_("A case's history"), tags=TAGS,
        description=_("The case's history, oldest first, as its page's timeline shows it to the caller: the "
                      "applicant and his unit see that an internal step (an interview, a vote) happened, not "
                      "what was said."),
        responses={200: EventSerializer(many=True), 404: NOT_VISIBLE},
    )
    def get(self, request, case_id):
        _case, internal, events = case_events_for_user(user=request.user, case_id=case_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(events, request, view=self)
        events_redact(page, internal=internal)
        return paginator.get_paginated_response(EventSerializer(page, many=True).data)


# --- Attachments -------------------------------------------------------------------------


class CaseAttachmentListApi(APIView):
    """GET: a case's files; POST: upload one (multipart: file, kind). The
    type is decided from the content, and size and count are limited, by
    ``cases.services.attachment_add``."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        # No max_length: a long name is cut in the middle (cases.uploads.shorten_name).
        file = serializers.FileField(allow_empty_file=True)
        kind = serializers.ChoiceField(choices=Attachment.Kind.choices, default=Attachment.Kind.EVIDENCE)

    @extend_schema(
        operation_id="cases_attachments_list", summary=_("List a case's files"), tags=TAGS,
        description=_("The files of a case."),
        responses={200: AttachmentSerializer(many=True), 404: NOT_VISIBLE},
    )
    def get(self, request, case_id):
        case = case_detail_for_user(user=request.user, case_id=case_id)
        return Response(AttachmentSerializer(case.attachments.all(), many=True).data)

    @extend_schema(
        operation_id="cases_attachments_create", summary=_("Upload a file"), tags=TAGS,
        description=_("Upload one file (multipart: file, kind). Its type is decided from the content; size and "
                      "count are limited."),
        request={"multipart/form-data": InputSerializer},
        responses={201: AttachmentSerializer, 404: NOT_VISIBLE},
    )
    def post(self, request, case_id):
        case = case_get_for_user(user=request.user, case_id=case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.attachment_add(case=case, actor=request.user, **data.validated_data)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class CaseAttachmentDetailApi(APIView):
    @extend_schema(
        operation_id="cases_attachments_destroy", summary=_("Remove a draft's file"), tags=TAGS,
        responses={204: None, 404: NOT_VISIBLE},
    )
    def delete(self, request, case_id, attachment_id):
        attachment = case_attachment_get_for_user(user=request.user, case_id=case_id, attachment_id=attachment_id)
        services.attachment_delete(attachment=attachment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseAttachmentDownloadApi(FileDownloadApi):
    file_media_types = ACCEPTED_TYPES

    @extend_schema(
        operation_id="cases_attachments_download", summary=_("Download a file"), tags=TAGS,
        responses={
            **FileDownloadApi.schema_response(
                _("The file, with the type found from its content at upload (or application/octet-stream "
                  "when only that is accepted)."), ACCEPTED_TYPES,
            ),
            404: NOT_VISIBLE,
        },
    )
    def get(self, request, case_id, attachment_id):
        attachment = case_attachment_get_for_user(user=request.user, case_id=case_id, attachment_id=attachment_id)
        return attachment_file_response(attachment)


# --- Steps: one generated POST endpoint each, one response shape ------------------------------
#
# Every step of every workflow app (core.steps; cases/steps.py,
# reviews/steps/, corrections/steps.py, prefilings/steps.py) gets
# POST /api/v1/cases/{id}/<step>/ from core.step_apis: the ``input``
# serializer its declaration carries (in the app's steps.py), its one
# service, and the same answer for all: the case as the caller now sees it
# (what GET /api/v1/cases/{id}/ returns, its ``actions`` included) plus
# ``step``, naming the step and the record it made.


class CaseStepApi(StepApi):
    # What a case's step endpoints have of their own (core.step_apis.StepApi).
    subject = "case"
    url_kwarg = "case_id"
    detail_serializer = CaseDetailSerializer
    response_name = "StepResponseSerializer"
    response_doc = "The answer of every step endpoint."
    class_prefix = "Case"
    not_visible = NOT_VISIBLE

    @staticmethod
    def read(user, pk):
        return case_detail_for_user(user=user, case_id=pk)

    @classmethod
    def operation_id(cls, step) -> str:
        # The operation ids the per-app endpoints had (clients are generated from them).
        return f"cases_{step.name}" if step.app in ("cases", "prefilings") else f"case_{step.name}"


def step_apis() -> dict:
    """name -> view class, for every case step that has a service."""
    return core_step_apis(CaseStepApi)
