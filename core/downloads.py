"""API views that answer with a stored file (letters, case files).

DRF negotiates the response's media type from ``Accept`` before the view
runs; with only the JSON renderer, ``Accept: application/pdf`` was refused
with 406 although the schema documents the PDF. Here negotiation accepts
the media types the view documents, the file is served as it is stored, and
errors stay in the one JSON error shape whatever was asked for (RFC 9110
§12.5.1 lets a server disregard Accept for an error).
"""

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.mediatypes import media_type_matches
from rest_framework.views import APIView

OCTET_STREAM = "application/octet-stream"


def _file_renderer(media_type: str) -> type[BaseRenderer]:
    class FileRenderer(BaseRenderer):
        # Only negotiates: the body is a FileResponse, never rendered.
        format = media_type.rsplit("/", 1)[-1]
        charset = None

        def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover
            raise TypeError("files are served as FileResponse")

    FileRenderer.media_type = media_type
    return FileRenderer


class FileDownloadApi(APIView):
    """Base of a download. ``file_media_types``: the types the file may have;
    ``application/octet-stream`` is always accepted too (any file is a byte
    stream) and then labels the response."""

    file_media_types: tuple[str, ...] = ()

    def get_renderers(self):
        types = dict.fromkeys([*self.file_media_types, OCTET_STREAM])
        return [_file_renderer(t)() for t in types] + [JSONRenderer()]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            # An error: always the JSON error shape.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        elif isinstance(response, HttpResponseBase) and response.status_code == 200:
            accept = request.META.get("HTTP_ACCEPT", "*/*")
            actual = response.get("Content-Type", OCTET_STREAM).split(";")[0]
            asked = [t.split(";")[0].strip() for t in accept.split(",") if t.strip()]
            if not any(media_type_matches(actual, t) for t in asked) and OCTET_STREAM in asked:
                response["Content-Type"] = OCTET_STREAM
        return response

    @classmethod
    def schema_response(cls, description: str, media_types: tuple[str, ...] | None = None) -> dict:
        """The 200 of ``extend_schema(responses=…)``: the file under each of
        its media types (``media_types``: the view's ``file_media_types``,
        passed in its own class body, where the class is not there yet)."""
        # One (status, media type) key each: drf-spectacular reads a longer
        # tuple as its first two items only, so that the PDF the view
        # serves went undocumented (schemathesis over HTTP found it).
        types = dict.fromkeys([*(cls.file_media_types if media_types is None else media_types), OCTET_STREAM])
        return {(200, t): OpenApiResponse(response=OpenApiTypes.BINARY, description=description) for t in types}
