"""``Idempotency-Key`` on API POSTs: a retried create creates nothing twice.

A client whose POST committed but whose answer was lost (the connection
dropped after commit, a proxy timed out) cannot tell whether to retry; with
this header it retries safely (IETF draft-ietf-httpapi-idempotency-key-header,
the scheme Stripe and others use):

* the first request with a key runs, and its successful (2xx) answer is
  stored with the key, in the same transaction as what the request wrote:
  the answer is stored exactly when the create committed;
* a retry with the same key, by the same user, with the same request
  (method, path, query and body, files by content) gets the stored answer
  again, marked ``Idempotent-Replayed: true``, and runs nothing;
* the same key with another request is refused (422, as the draft says);
* a retry sent while the first is still running waits for it (the key's
  row is unique: PostgreSQL holds the second insert until the first
  commits or rolls back), then replays its answer or, if it failed, runs;
* an answer that is not a success spends nothing: the key can be used again
  (a refused create changed nothing, a 5xx rolled back);
* keys older than ``IDEMPOTENCY_KEY_TTL_HOURS`` are deleted daily
  (``idempotency_keys_expire``) and an expired key counts as new.

Every POST under /api/ by a signed-in user honours the header, so every
create (cases, files, pre-filings, exports, meetings …) and every step does;
without the header nothing changes. Anonymous POSTs (the token login)
ignore it: a key belongs to a user.
"""

import datetime as dt
import hashlib
import json
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .exceptions import problem
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
# The draft makes the key a structured-field string: printable ASCII.
KEY_RE = re.compile(r"^[\x20-\x7e]{1,255}$")
# Answer headers a replay repeats (the body and status are always kept).
KEPT_HEADERS = ("Location", "Content-Disposition", "Content-Language")

KEY_INVALID = gettext_noop("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")
KEY_REUSED = gettext_noop(
    "This Idempotency-Key was already used for a different request; use a new key for a new request."
)


def _ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def _api_user(request):
    """The user the API view will see, found by DRF's own authenticators in
    their order (so that the rules are the view's); the session's user
    without the CSRF check, which the view makes. None when anonymous or
    when authentication fails (the view then refuses)."""
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.exceptions import APIException
    from rest_framework.settings import api_settings

    for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(cls, SessionAuthentication):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.is_active:
                return user
            continue
        try:
            result = cls().authenticate(request)
        except APIException:
            return None
        if result is not None:
            return result[0]
    return None


def request_fingerprint(request) -> str:
    """SHA-256 of what the request asks: method, path, query and body. A
    JSON body is compared as parsed (key order and spacing do not matter),
    a form as its fields and its files' names and contents (a client's
    retry draws a new multipart boundary)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}\n".encode())
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values], ensure_ascii=False).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(json.dumps(["file", name, upload.name, upload.size]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    if content_type.endswith("json"):
        try:
            body = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass  # not JSON: the view refuses it; compare the bytes
    digest.update(body)
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code, content_type=row.content_type or None)
    for name, value in row.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(problem(status, code, _(message)), status=status, json_dumps_params={"ensure_ascii": False})


class IdempotencyMiddleware:
    """Last in MIDDLEWARE: it wraps only the view, in the transaction that
    also holds the key's row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not KEY_RE.match(key):
            return _refuse(400, "idempotency_key_invalid", KEY_INVALID)
        user = _api_user(request)
        if user is None:
            return self.get_response(request)
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            row = _claim(user=user, key=key, fingerprint=fingerprint, path=request.path[:500])
            if row.status_code is not None:
                if row.fingerprint != fingerprint:
                    return _refuse(422, "idempotency_key_reused", KEY_REUSED)
                return _replay(row)
            response = self.get_response(request)
            if getattr(response, "streaming", False) or not 200 <= response.status_code < 300:
                if response.status_code >= 500:
                    # Nothing of a failed request stays, so that a retry
                    # with the key runs it afresh rather than finding half.
                    transaction.set_rollback(True)
                else:
                    row.delete()
                return response
            row.status_code = response.status_code
            row.content_type = response.get("Content-Type", "")
            row.body = response.content
            row.headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            row.save(update_fields=["status_code", "content_type", "body", "headers"])
        return response


def _claim(*, user, key: str, fingerprint: str, path: str) -> IdempotencyKey:
    """The key's row, new (``status_code`` None: run the request) or the
    finished one of an earlier request. Inserting waits on the unique index
    while another request with the key is still running."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint, path=path)
        except IntegrityError:
            pass
        row = IdempotencyKey.objects.select_for_update().filter(user=user, key=key).first()
        if row is None:
            continue  # deleted meanwhile (expired, or its request failed): insert again
        if row.created_at < timezone.now() - _ttl():
            row.delete()  # an expired key is a new key
            continue
        return row
    raise RuntimeError("idempotency key could not be claimed")


def idempotency_keys_expire(*, now=None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS. Returns the count."""
    cutoff = (now or timezone.now()) - _ttl()
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
