from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_get_for_user

from .models import Letter
from .selectors import letter_get_for_user, letter_list_for_case
from .views import letter_file_response


class CaseLetterListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        title = serializers.CharField(read_only=True)
        download_url = serializers.SerializerMethodField()

        class Meta:
            model = Letter
            fields = ["id", "kind", "ref", "title", "number", "issued_on", "status", "error", "attempts",
                      "template_version", "sha256", "size", "rendered_at", "download_url"]

        def get_download_url(self, obj) -> str | None:
            if not obj.is_ready:
                return None
            request = self.context.get("request")
            url = f"/api/v1/letters/{obj.id}/download/"
            return request.build_absolute_uri(url) if request else url

    @extend_schema(
        operation_id="case_letters_list",
        summary="Letters of a case",
        responses={200: OutputSerializer(many=True), 404: OpenApiResponse(description="Not visible")},
    )
    def get(self, request, case_id):
        case = case_get_for_user(user=request.user, case_id=case_id)
        letters = letter_list_for_case(case=case)
        return Response(self.OutputSerializer(letters, many=True, context={"request": request}).data)


class LetterDownloadApi(APIView):
    @extend_schema(
        operation_id="letter_download",
        summary="Download a letter (PDF)",
        responses={
            (200, "application/pdf"): OpenApiResponse(response=OpenApiTypes.BINARY),
            404: OpenApiResponse(description="Not visible or not ready"),
        },
    )
    def get(self, request, letter_id):
        letter = letter_get_for_user(user=request.user, letter_id=letter_id)
        return letter_file_response(letter)
