"""Publication API: the admin's actions on a case's publication, and the
public outcomes (no authentication, published only)."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_get_for_user
from core.pagination import CursorPagination, PaginatedListMixin, paginated_response

from . import selectors, services
from .models import Publication


class _SegmentSerializer(serializers.Serializer):
    text = serializers.CharField()
    hidden = serializers.BooleanField()


class _LeakSerializer(serializers.Serializer):
    where = serializers.CharField()
    term = serializers.CharField(allow_blank=True)
    source = serializers.CharField()
    context = serializers.CharField()


class _TermSerializer(serializers.Serializer):
    term = serializers.CharField()
    source = serializers.CharField()
    label = serializers.CharField()


class PublicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    slug = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    extra_terms = serializers.ListField(child=serializers.CharField())
    redact_unit = serializers.BooleanField()
    has_pdf = serializers.SerializerMethodField()
    publish_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdraw_reason = serializers.CharField()

    def get_has_pdf(self, p) -> bool:
        return bool(p.pdf)


class PreviewOutputSerializer(serializers.Serializer):
    publication = PublicationOutputSerializer()
    redacted_title = serializers.CharField()
    redacted_text = serializers.CharField()
    title_segments = _SegmentSerializer(many=True)
    body_segments = _SegmentSerializer(many=True)
    terms = _TermSerializer(many=True)
    leaks = _LeakSerializer(many=True)


def _preview_data(preview) -> dict:
    def segs(items):
        return [{"text": piece, "hidden": bool(term)} for piece, term in items]

    return PreviewOutputSerializer({
        "publication": preview.publication, "redacted_title": preview.redacted_title,
        "redacted_text": preview.redacted_text, "title_segments": segs(preview.title),
        "body_segments": segs(preview.body), "terms": preview.terms, "leaks": preview.leaks,
    }).data


def _publication_of(request, case_id) -> Publication:
    case = case_get_for_user(user=request.user, case_id=case_id)
    publication = selectors.publication_for_case(case=case)
    if publication is None or not services.publication_may_manage(case=case, user=request.user):
        raise Http404
    return publication


class CasePublicationApi(APIView):
    @extend_schema(operation_id="case_publication_get", summary=_("The case's publication"),
                   description=_("The case's publication with its preview and leak check."), responses=PreviewOutputSerializer, tags=["publication"])
    def get(self, request, case_id: int):
        """The case's publication with its preview and leak check."""
        publication = _publication_of(request, case_id)
        return Response(_preview_data(services.publication_preview(publication=publication, actor=request.user)))


class CasePublicationDraftApi(APIView):
    # Issue 16: a joint decision is published once countersigned (core.schema lists it).
    schema_refusals = (services.COUNTERSIGN_AWAITED,)
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Publication.Kind.choices, default=Publication.Kind.OUTCOME)
        clarification_id = serializers.CharField(required=False, allow_null=True, default=None)

    @extend_schema(operation_id="case_publication_draft", summary=_("Write the publication draft"), request=InputSerializer,
                   responses={201: PreviewOutputSerializer}, tags=["publication"])
    def post(self, request, case_id: int):
        case = case_get_for_user(user=request.user, case_id=case_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        publication = services.publication_draft_create(case=case, actor=request.user, **s.validated_data)
        preview = services.publication_preview(publication=publication, actor=request.user)
        return Response(_preview_data(preview), status=201)


class CasePublicationPreviewApi(APIView):
    """Edit the draft (any of the fields) and get the new preview."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(required=False, max_length=200)
        body = serializers.CharField(required=False)
        extra_terms = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
        redact_unit = serializers.BooleanField(required=False, allow_null=True, default=None)
        # A PDF to publish with the text (multipart); it goes through the
        # same leak check as the text.
        pdf = serializers.FileField(required=False)
        remove_pdf = serializers.BooleanField(required=False, default=False)

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="case_publication_preview", summary=_("Edit the draft and preview it"),
                   description=_("Edit the draft (any of the fields) and get the new preview."),
                   request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
                   responses=PreviewOutputSerializer, tags=["publication"])
    def post(self, request, case_id: int):
        publication = _publication_of(request, case_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = {k: v for k, v in s.validated_data.items() if v is not None}
        if not data.get("remove_pdf"):
            data.pop("remove_pdf", None)
        if data:
            publication = services.publication_update(publication=publication, actor=request.user, **data)
        preview = services.publication_preview(publication=publication, actor=request.user)
        return Response(_preview_data(preview))


class CasePublicationRegenerateApi(APIView):
    # Issue 16: a joint decision is published once countersigned (core.schema lists it).
    schema_refusals = (services.COUNTERSIGN_AWAITED,)
    """Write the draft again from the final ruling (after a review)."""

    @extend_schema(operation_id="case_publication_regenerate", summary=_("Write the draft again from the final ruling"),
                   description=_("Write the draft again from the final ruling (after a review)."), request=None,
                   responses=PreviewOutputSerializer, tags=["publication"])
    def post(self, request, case_id: int):
        publication = _publication_of(request, case_id)
        publication = services.publication_regenerate(publication=publication, actor=request.user)
        preview = services.publication_preview(publication=publication, actor=request.user)
        return Response(_preview_data(preview))


class CasePublicationPublishApi(APIView):
    # Issue 16: a joint decision is published once countersigned (core.schema lists it).
    schema_refusals = (services.COUNTERSIGN_AWAITED,)
    class InputSerializer(serializers.Serializer):
        publish_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(operation_id="case_publication_publish", summary=_("Publish the outcome"), request=InputSerializer,
                   responses=PublicationOutputSerializer, tags=["publication"])
    def post(self, request, case_id: int):
        publication = _publication_of(request, case_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        publication = services.publication_publish(publication=publication, actor=request.user, **s.validated_data)
        return Response(PublicationOutputSerializer(publication).data)


class CasePublicationWithdrawApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(operation_id="case_publication_withdraw", summary=_("Withdraw the publication"), request=InputSerializer,
                   responses=PublicationOutputSerializer, tags=["publication"])
    def post(self, request, case_id: int):
        publication = _publication_of(request, case_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        publication = services.publication_withdraw(publication=publication, actor=request.user,
                                                     **s.validated_data)
        return Response(PublicationOutputSerializer(publication).data)


# --- Public --------------------------------------------------------------------------------


class PublicOutcomeOutputSerializer(serializers.Serializer):
    """Only published, redacted fields: no case id, number or link."""

    slug = serializers.CharField()
    title = serializers.CharField(source="published_title")
    text = serializers.CharField(source="published_text")
    jurisdiction = serializers.CharField(source="jurisdiction.name")
    jurisdiction_code = serializers.CharField(source="jurisdiction.code")
    result = serializers.CharField()
    result_label = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    published_at = serializers.DateTimeField()
    scenarios = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    def get_scenarios(self, p) -> list[str]:
        return [s.title for s in p.scenarios.all()]

    def get_url(self, p) -> str:
        return reverse("portal:outcome_detail", args=[p.slug])

    def get_pdf_url(self, p) -> str | None:
        return reverse("portal:outcome_pdf", args=[p.slug]) if p.pdf else None


class PublicOutcomeListApi(PaginatedListMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    # Read by keyset off publication_portal_idx with a bounded count, as the
    # portal page is (issue 19): a page number's OFFSET and an exact count
    # read every published outcome before it. A cursor that is not one of
    # this list's is a 404.
    pagination_class = CursorPagination
    schema_error_statuses = (404,)

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True)
        jurisdiction = serializers.CharField(required=False, allow_blank=True)
        year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
        result = serializers.CharField(required=False, allow_blank=True)
        scenario = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(operation_id="public_outcomes_list", summary=_("Published outcomes (public)"), parameters=[FilterSerializer],
                   responses=PublicOutcomeOutputSerializer(many=True), tags=["public"])
    def get(self, request):
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.published_outcomes(filters=f.validated_data)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PublicOutcomeOutputSerializer)


class PublicOutcomeDetailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    class WithdrawnOutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        status = serializers.CharField()
        withdrawn_at = serializers.DateTimeField()

    @extend_schema(operation_id="public_outcomes_detail", summary=_("A published outcome (public)"),
                   parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH)],
                   responses={200: PublicOutcomeOutputSerializer, 410: WithdrawnOutputSerializer},
                   tags=["public"])
    def get(self, request, slug: str):
        publication = selectors.public_publication_get(slug=slug)
        if publication.kind != Publication.Kind.OUTCOME:
            raise Http404
        if publication.status == Publication.Status.WITHDRAWN:
            # The notice only: the content is no longer served.
            return Response({"slug": publication.slug, "status": "withdrawn",
                             "withdrawn_at": publication.withdrawn_at}, status=410)
        return Response(PublicOutcomeOutputSerializer(publication).data)
