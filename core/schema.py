"""The OpenAPI schema (drf-spectacular) as a contract a client can follow.

Everything the API does the same way everywhere is described here once, for
every operation, instead of by hand per view:

- the error responses: the one error shape (core.serializers.ErrorSerializer)
  under each status an operation can answer with — 400 where it reads input,
  401 where it needs a caller, 403 where a role can be refused, 404 where a
  path names an object, 409 where a write can meet a state that forbids it,
  422 on a POST whose Idempotency-Key was used for another request;
- CharFields that refuse blanks say so (``minLength``/``pattern``), so a
  request valid by the schema is not refused for a blank;
- a body with a file is documented as multipart (the file ``format:
  binary``, with COMPONENT_SPLIT_REQUEST), any other as JSON;
- the two authentication schemes, with what each needs.
"""

import re

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object, force_instance, get_doc, is_serializer
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .idempotency import KEY_RE
from .serializers import ErrorSerializer
from .steps import STEP_SUBJECTS

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", location=OpenApiParameter.HEADER, required=False,
    # The middleware's own rule (core.idempotency.KEY_RE: a 400 otherwise),
    # in ECMA's escapes.
    type={"type": "string", "pattern": KEY_RE.pattern.replace(r"\x", r"\u00")},
    description=_("Optional. A retry with the same key and request gets the first answer again "
    "(Idempotent-Replayed: true) and creates nothing twice; the same key with another request is 422. "
    "Kept for IDEMPOTENCY_KEY_TTL_HOURS. 1 to 255 printable ASCII characters (else 400)."),
)

# Status → (description, when it applies). The predicate gets the finished
# operation dict and the method.
ERROR_DESCRIPTIONS = {
    400: _("Bad input: the body or a query parameter is invalid (see `fields`). Nothing changed."),
    401: _("No credentials, or invalid ones: send `Authorization: Token <key>` (or sign in for a session)."),
    403: _("The caller's role or relation to the object does not allow this (or, for a session, the "
         "CSRF token is missing)."),
    404: _("No such object, or not visible to the caller (the same answer, so nothing leaks), or an "
         "object the input refers to does not exist."),
    409: _("Not possible in the object's current state (stage, step already taken, precondition not met); "
         "`detail` says why. Nothing changed."),
    415: _("The body is not in a media type the operation documents (JSON, or multipart where it "
         "takes a file)."),
    422: _("The input matches this schema but a rule it cannot state refused it (the operation's "
         "description names the rules; `fields` says which one), or the Idempotency-Key was already "
         "used for a different request (send a new key). Nothing changed."),
    429: _("Too many attempts; try again later."),
    500: _("An unexpected error: nothing of the exception is told, `reference` names the server's log "
         "entry (give it to the administrator). The request may have to be retried (with the same "
         "Idempotency-Key for a POST)."),
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _names_objects(serializer) -> bool:
    """Whether input refers to stored objects by id (a 404 when one does
    not exist: core.exceptions)."""
    for field in serializer.fields.values():
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, (serializers.RelatedField, serializers.ManyRelatedField)):
            return True
        if isinstance(field, serializers.Serializer) and _names_objects(field):
            return True
    return False


def _applicable_errors(operation: dict, method: str, names_objects: bool, paginated: bool) -> list[int]:
    params = operation.get("parameters", [])
    has_input = bool(operation.get("requestBody")) or any(p.get("in") == "query" for p in params)
    has_path_ids = any(p.get("in") == "path" for p in params)
    security = operation.get("security", [])
    needs_auth = bool(security) and {} not in security
    codes = []
    if has_input:
        codes += [400, 422]
    if needs_auth:
        codes += [401, 403]
    if has_path_ids or names_objects or paginated:
        # A paginated list: a page past the end, or a cursor that is not
        # one of this list's (core.pagination), is a 404.
        codes.append(404)
    if operation.get("requestBody"):
        codes.append(415)
    if method in UNSAFE and needs_auth:
        codes.append(409)
    if method == "POST" and needs_auth:
        codes += [400, 422]  # Idempotency-Key malformed / reused for another request
    # Any operation can fail unexpectedly; the answer keeps the error shape
    # (core.exceptions.server_error_response).
    codes.append(500)
    return codes


# What str.strip() removes (DRF trims text before its blank check), spelled
# out: ECMA's \s differs from Python's (\x1c-\x1f, \x85 are blank to
# Python only; \ufeff to ECMA only).
PY_WHITESPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def _text_rules(field, schema: dict) -> None:
    """What DRF's CharField refuses, as schema: a blank (``minLength``, and
    a pattern needing one non-blank character when it trims) and a NUL
    character (its ProhibitNullCharactersValidator)."""
    blank_refused = not field.allow_blank
    if blank_refused:
        schema["minLength"] = max(1, schema.get("minLength", 0), field.min_length or 0)
    if "pattern" in schema or "format" in schema:
        return
    no_nul = any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators)
    other = r"\u0000" if no_nul else ""
    if blank_refused and field.trim_whitespace:
        schema["pattern"] = rf"^[^{other}]*[^{PY_WHITESPACE}{other}][^{other}]*$" if no_nul \
            else rf"[^{PY_WHITESPACE}]"
    elif no_nul:
        schema["pattern"] = r"^[^\u0000]*$"


SUBJECT_NAMES = {"case": _("case"), "prefiling": _("pre-filing")}


def _step_text(step) -> str:
    subject = STEP_SUBJECTS.get(step.subject)
    label = subject.state_label if subject is not None else str
    stages = "、".join(f"{label(stage)} (`{stage}`)" for stage in step.stages)
    text = gettext("**Step** %(step)s: possible while the %(subject)s is at %(stages)s; else 409 "
                   "`illegal_transition`.") % {"step": step.label, "subject": SUBJECT_NAMES.get(step.subject, step.subject),
                                               "stages": stages}
    if step.ready is not None:
        text += " " + gettext("A step the stage allows can still wait on its own precondition (409, the refusal's "
                              "code).")
    return text


def _placeholders(message: str) -> str:
    # "%(name)s has already voted." → "… has already voted."
    return re.sub(r"%\(\w+\)[sd]", "…", message)


class AutoSchema(BaseAutoSchema):
    """Names components after their view for nested serializers, and adds
    what every operation shares (see the module docstring).

    APIs nest ``InputSerializer``/``OutputSerializer`` inside each view class
    (HackSoft style); by default drf-spectacular would name them all "Input"
    and "Output" and collide. ``CaseSubmitApi.InputSerializer`` becomes
    ``CaseSubmitApiInput``.
    """

    def get_override_parameters(self):
        # Every POST honours Idempotency-Key (core.idempotency).
        params = list(super().get_override_parameters())
        if self.method == "POST":
            params.append(IDEMPOTENCY_KEY)
        return params

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        qualname = getattr(cls, "__qualname__", "")
        if "." in qualname and "<locals>" not in qualname and not getattr(getattr(cls, "Meta", None), "ref_name", None):
            outer = qualname.rsplit(".", 1)[0].replace(".", "")
            if not name.startswith(outer):
                name = f"{outer}{name}"
        return name

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        extra = getattr(self.view, "schema_error_statuses", ())
        request = self.get_request_serializer() if self.method in ("POST", "PUT", "PATCH") else None
        names_objects = is_serializer(request) and _names_objects(force_instance(request))
        paginated = self.method == "GET" and self._is_list_view() and getattr(self.view, "pagination_class", None)
        codes = set(_applicable_errors(operation, self.method, names_objects, bool(paginated))) | set(extra)
        for code in sorted(codes):
            if str(code) not in responses:
                responses[str(code)] = self._error_response(code)
            else:
                # A view's own description (e.g. "not ready") is kept; the
                # body is always the error shape, as JSON.
                responses[str(code)]["content"] = self._error_response(code)["content"]
        return operation

    def get_description(self):
        """The view's description, then what refuses it beyond the schema:
        ``schema_refusals`` (the refusal messages a service raises with 409,
        the very constants it raises) and ``schema_requirements`` (what
        must hold first), read off the view so that any view, generated
        or written, documents its preconditions the same way."""
        description = super().get_description() or ""
        if description and self._inherited_docstring(description):
            # A docstring inherited from a base class or mixin (e.g.
            # PaginatedListMixin's notes for developers) says nothing of
            # this operation.
            description = ""
        # Texts for clients are msgids (English) translated into the
        # language the schema is asked in (zh-hans by default; ?lang=en).
        description = gettext(str(description)) if description else ""
        parts = [description] if description else []
        step = getattr(self.view, "step", None)
        if step is not None:
            # An endpoint generated from a step declaration (core.steps):
            # when it is possible comes from the same declaration as the
            # guard that refuses it.
            parts.append(_step_text(step))
        # Each a text, or (text, when it applies: None = always).
        requirements = [f"{r[0]} (when {r[1]})" if isinstance(r, tuple) and r[1] else str(r[0] if isinstance(r, tuple) else r)
                        for r in getattr(self.view, "schema_requirements", ())]
        if requirements:
            parts.append(gettext("**Needs first** (else 409, `detail` and `extra.missing` name what lacks):") + "\n"
                         + "\n".join(f"- {r}" for r in requirements))
        refusals = [_placeholders(str(r)) for r in getattr(self.view, "schema_refusals", ())]
        if refusals:
            parts.append(gettext("**Refused (409) with**:") + "\n" + "\n".join(f"- {r}" for r in refusals))
        return "\n\n".join(parts)

    def _inherited_docstring(self, description: str) -> bool:
        """Whether ``description`` is a docstring drf-spectacular took from
        a base class or mixin of the view (neither the view class nor its
        method has one, and ``extend_schema`` gave none)."""
        cls = self.view.__class__
        method = getattr(cls, self.method.lower(), None)
        if cls.__dict__.get("__doc__") or (method is not None and method.__doc__):
            return False
        return description == get_doc(cls)

    def get_summary(self):
        summary = super().get_summary()
        return gettext(str(summary)) if summary else summary

    def _error_response(self, code: int) -> dict:
        ref = self.resolve_serializer(ErrorSerializer, "response").ref
        return {"description": str(ERROR_DESCRIPTIONS.get(code, _("Error."))), "content": {"application/json": {"schema": ref}}}

    def _get_format_parameters(self):
        # ?format= is DRF's override, not part of the contract (downloads
        # have several renderers only to negotiate their media types).
        return []

    def map_parsers(self):
        # A body with a file is multipart (files are binary parts); any
        # other body is JSON, the one encoding that carries nested input.
        # The form encodings stay accepted for the browser, undocumented.
        media_types = super().map_parsers()
        serializer = self.get_request_serializer()
        if not is_serializer(serializer):
            return media_types
        fields = force_instance(serializer).fields.values()
        wanted = "multipart/form-data" if any(isinstance(f, serializers.FileField) for f in fields) else "application/json"
        return [wanted] if wanted in media_types else media_types

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """The field's schema with every limit its validators enforce.

        drf-spectacular adds validator limits (lengths, ranges, patterns)
        to body fields only; query parameters built from a FilterSerializer
        got none, so ``amount`` said nothing of its maximum. Here they are
        added for every field, before the blank rule below, so a
        validator's own pattern wins over the generic one.
        """
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not isinstance(schema, dict) or "$ref" in schema:
            return schema
        if direction == "request":
            self._insert_field_validators(field, schema)
        many = (serializers.ListField, serializers.ManyRelatedField, serializers.ListSerializer)
        if isinstance(field, many) and not field.allow_empty and schema.get("type") == "array":
            # allow_empty=False refuses [] ("列表不能为空").
            schema["minItems"] = max(1, schema.get("minItems", 0))
        if isinstance(field, serializers.DictField) and direction == "request" and not getattr(field, "allow_empty", True):
            schema["minProperties"] = max(1, schema.get("minProperties", 0))
        keys = getattr(field, "schema_keys", None)
        if keys and isinstance(field, serializers.DictField) and schema.get("type") == "object":
            # A dict whose known keys the field names ((key, label) pairs):
            # listed, so that a client can fill them; others stay allowed.
            value = schema.get("additionalProperties") or {}
            schema["properties"] = {key: {**value, "description": str(label)} for key, label in keys}
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not isinstance(field, serializers.ChoiceField)
            and "enum" not in schema
        ):
            _text_rules(field, schema)
        return schema


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "rest_framework.authentication.TokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True
    priority = 1

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)
        scheme["description"] = gettext(
            "For programs: get a key from `POST /api/v1/auth/token/` (username, password) and send "
            "`Authorization: Token <key>` with every request. Checked first: a request with a token is "
            "judged by the token alone (no session, no CSRF token needed). A wrong key is a 401."
        )
        return scheme


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "rest_framework.authentication.SessionAuthentication"
    name = "cookieAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": gettext(
                "For the browser (e.g. these docs after signing in at /accounts/login/): the session "
                "cookie. Used only when no `Authorization` header is sent; then writes need the "
                "`%(header)s` header with the value of the `csrftoken` cookie."
            ) % {"header": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")},
        }
