"""The one JSON error shape for everything under /api/, whatever answered.

DRF views answer their errors through ``core.exceptions.api_exception_handler``.
Other answers under /api/ are Django's HTML pages: a URL no route matches
(404), a CSRF refusal (403), a body over the upload limit (400), and an
exception outside a DRF view or in a middleware (500). An API client parses
one body (``core.exceptions``), so such a page is answered in that shape
here; the browser pages (/api/docs/, /api/redoc/) keep their HTML."""

import uuid
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .exceptions import problem, server_error_body, server_error_response

API_PREFIX = "/api/"
# Pages for people under /api/: their errors stay pages.
HTML_PAGES = ("/api/docs/", "/api/redoc/")

ERRORS = {
    400: ("bad_request", gettext_noop("The request is malformed.")),
    403: ("permission_denied", gettext_noop("You do not have permission to perform this action.")),
    404: ("not_found", gettext_noop("Not found.")),
    405: ("method_not_allowed", gettext_noop("This method is not allowed here.")),
    413: ("request_too_large", gettext_noop("The request is too large.")),
    502: ("bad_gateway", gettext_noop("The service is temporarily unavailable; try again later.")),
    503: ("service_unavailable", gettext_noop("The service is temporarily unavailable; try again later.")),
}


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX) and not request.path.startswith(HTML_PAGES)


class ApiErrorMiddleware:
    """Outermost but for SecurityMiddleware, so that it sees the error pages
    every inner layer produced."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not _is_api(request) or getattr(response, "streaming", False):
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json") or content_type.startswith("application/problem+json"):
            return response
        status = response.status_code
        if status in ERRORS:
            code, message = ERRORS[status]
            body = problem(status, code, _(message))
        elif status >= 500:
            # Django's 500 page: Django logged the exception with its
            # traceback already.
            body = server_error_body(uuid.uuid4().hex[:12], status)
        else:
            phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
            body = problem(status, phrase.lower().replace(" ", "_"), phrase)
        converted = JsonResponse(body, status=response.status_code, json_dumps_params={"ensure_ascii": False})
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                converted[header] = response[header]
        converted._has_been_logged = getattr(response, "_has_been_logged", False)
        return converted

    def process_exception(self, request, exception):
        """An exception from a non-DRF view under /api/: logged with the
        reference the body gives. Http404 and PermissionDenied are left to
        Django (its 404/403 page, converted above)."""
        if not _is_api(request) or isinstance(exception, (Http404, PermissionDenied, SuspiciousOperation)):
            return None
        return server_error_response(request, exception)
