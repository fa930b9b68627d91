from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.downloads import FileDownloadApi
from core.pagination import PaginatedListMixin, paginated_response
from core.subjects import subject

from .models import Letter, LetterKind
from .selectors import letter_get_for_user, letter_list_for_case, letter_register_for_user, letter_register_may_view
from .views import letter_file_response


class CaseLetterListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        title = serializers.CharField(read_only=True)
        download_url = serializers.SerializerMethodField()

        class Meta:
            model = Letter
            fields = ["id", "kind", "ref", "title", "number", "issued_on", "status", "error", "attempts",
                      "template_version", "sha256", "sm3", "size", "rendered_at", "download_url"]

        def get_download_url(self, obj) -> str | None:
            if not obj.is_ready:
                return None
            request = self.context.get("request")
            url = f"/api/v1/letters/{obj.id}/download/"
            return request.build_absolute_uri(url) if request else url

    @extend_schema(
        operation_id="case_letters_list",
        summary=_("Letters of a case"),
        responses={200: OutputSerializer(many=True), 404: OpenApiResponse(description=_("Not visible"))},
    )
    def get(self, request, case_id):
        case = subject("case").get_for_user(request.user, case_id)
        letters = letter_list_for_case(case=case)
        return Response(self.OutputSerializer(letters, many=True, context={"request": request}).data)


class LetterRegisterApi(PaginatedListMixin, APIView):
    """The issuing register (发文登记): every letter of the cases and
    pre-filings the caller may see, paginated."""

    class FilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
        kind = serializers.ChoiceField(required=False, choices=LetterKind.choices)
        q = serializers.CharField(required=False, max_length=100)

    class OutputSerializer(CaseLetterListApi.OutputSerializer):
        case = serializers.IntegerField(source="case_id", allow_null=True)
        case_number = serializers.CharField(source="case.number", allow_null=True, default=None)
        prefiling = serializers.IntegerField(source="prefiling_id", allow_null=True)
        prefiling_number = serializers.CharField(source="prefiling.number", allow_null=True, default=None)

        class Meta(CaseLetterListApi.OutputSerializer.Meta):
            fields = CaseLetterListApi.OutputSerializer.Meta.fields + [
                "case", "case_number", "prefiling", "prefiling_number"]

    @extend_schema(
        operation_id="letters_register",
        description=_("The issuing register (发文登记): every letter of the cases and pre-filings the caller may "
                      "see, paginated."), summary=_("The issuing register: all letters the caller may see"),
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), 403: OpenApiResponse(description=_("Not handling staff"))},
    )
    def get(self, request):
        if not letter_register_may_view(user=request.user):
            raise PermissionDenied
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = letter_register_for_user(user=request.user, filters=filters.validated_data)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=self.OutputSerializer,
                                  context={"request": request})


class LetterDownloadApi(FileDownloadApi):
    file_media_types = ("application/pdf",)

    @extend_schema(
        operation_id="letter_download",
        summary=_("Download a letter (PDF)"),
        responses={
            **FileDownloadApi.schema_response(_("The letter's PDF."), file_media_types),
            404: OpenApiResponse(description=_("Not visible, or not rendered yet")),
        },
    )
    def get(self, request, letter_id):
        letter = letter_get_for_user(user=request.user, letter_id=letter_id)
        return letter_file_response(letter)
