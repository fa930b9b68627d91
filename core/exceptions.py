"""One error shape for every API error.

Every error body is::

    {"status": 400, "code": "invalid", "detail": "…", "fields": {"name": ["…"]}}

``fields`` is present only for validation errors; a 500 carries
``reference`` (the id its traceback was logged with, for the administrator)
and never the exception's text. Services raise
``ApplicationError`` (a refused action: illegal transition, a precondition
not met, no permission for a step) or Django's ``ValidationError`` (bad
input); both change nothing, because services run in one transaction, and
carry the message in the active language. The statuses, as the schema
documents them (core.schema):

- 400: the request does not match the schema (the API's serializers, from
  which the schema is built, refused it);
- 422: it matches, but a rule the schema cannot state refused it (a
  service's ``ValidationError``: a date that must lie after today, a file
  whose content is not of an accepted type, an item of another policy), or
  its Idempotency-Key was used for another request (core.idempotency);
- 409: a refusal (``ApplicationError``): the request conflicts with the
  current state of the case, the meeting, the clock (RFC 9110 §15.5.10),
  unless it says otherwise (403 for a role that may not act).

So a request the schema calls valid is never answered 400.
"""

import logging
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler, set_rollback

# The logger Django itself reports unhandled request errors to (and that
# deployments route to their error mail or collector).
request_logger = logging.getLogger("django.request")

SERVER_ERROR = gettext_noop(
    "An internal error occurred. Try again later; if it persists, give the administrator the reference %(ref)s."
)


class ApplicationError(Exception):
    """A business rule refused the action. ``message`` is shown to users."""

    def __init__(self, message, *, code="refused", extra=None, status_code=409):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.extra = extra or {}
        self.status_code = status_code


class RuleRefused(exceptions.ValidationError):
    """Input that matches the schema, refused by a service's rule."""

    status_code = 422


def _flatten(detail):
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(x) if not isinstance(x, (dict, list)) else _flatten(x) for x in detail]
    return str(detail)


def _leaf_codes(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            yield from _leaf_codes(value)
    elif isinstance(detail, list):
        for value in detail:
            yield from _leaf_codes(value)
    else:
        yield getattr(detail, "code", None)


def _only_missing_objects(detail) -> bool:
    codes = set(_leaf_codes(detail))
    return codes == {"does_not_exist"}


def _first_message(fields) -> str:
    first = next(iter(fields.values()), [""]) if isinstance(fields, dict) else fields
    while isinstance(first, (dict, list)) and first:
        first = next(iter(first.values())) if isinstance(first, dict) else first[0]
    return str(first) if first else ""


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"status": exc.status_code, "code": exc.code, "detail": exc.message}
        if exc.extra:
            body["extra"] = exc.extra
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = RuleRefused(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        # Not an API error: a bug or a failed dependency. The one shape
        # still (clients parse one body), the traceback in the log only.
        request = context.get("request")
        return server_error_response(getattr(request, "_request", request), exc)
    if isinstance(exc, exceptions.ValidationError) and _only_missing_objects(exc.detail):
        # The input refers to objects that do not exist (ids of users,
        # units, items): 404, as JSON:API specifies for a request that
        # references a related resource that does not exist.
        fields = _flatten(exc.detail)
        response.status_code = 404
        response.data = {
            "status": 404,
            "code": "not_found",
            "detail": _("The input refers to something that does not exist: %(message)s")
            % {"message": _first_message(fields)},
            "fields": fields,
        }
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        first_message = _first_message(fields)
        response.data = {
            "status": response.status_code,
            "code": "invalid",
            "detail": _("The input is invalid: %(message)s") % {"message": first_message},
            "fields": fields,
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict):
            detail = next(iter(detail.values()))
        response.data = {
            "status": response.status_code,
            "code": getattr(detail, "code", None) or code,
            "detail": str(detail),
        }
    return response


def problem(status_code, code, detail):
    """The error shape for non-DRF views (health, downloads)."""
    return {"status": status_code, "code": code, "detail": str(detail)}


def server_error_body(ref: str, status: int = 500) -> dict:
    return {**problem(status, "server_error", _(SERVER_ERROR) % {"ref": ref}), "reference": ref}


def server_error_response(request, exc):
    """A 500 in the one shape for an exception nothing handled; the
    traceback goes to ``django.request`` with the reference the body gives.
    A transaction the request opened (ATOMIC_REQUESTS) is rolled back, as
    DRF does for the errors it handles."""
    from django.http import JsonResponse

    ref = uuid.uuid4().hex[:12]
    request_logger.error(
        "Internal Server Error: %s (reference %s)", getattr(request, "path", "?"), ref,
        exc_info=(type(exc), exc, exc.__traceback__), extra={"status_code": 500, "request": request},
    )
    set_rollback()
    response = JsonResponse(server_error_body(ref), status=500, json_dumps_params={"ensure_ascii": False})
    # Logged above with the traceback; Django's own log line would repeat it
    # without one.
    response._has_been_logged = True
    return response

