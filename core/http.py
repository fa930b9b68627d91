"""Redirect targets taken from the request.

A ``next`` field (or query parameter) is user input: an attacker's link could
send a signed-in cadre from our page to a look-alike site. Every view that
redirects to a requested place goes through ``safe_next``, which accepts only
a path or URL of this site (Django's ``url_has_allowed_host_and_scheme``,
the check its own login view uses).
"""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from .exceptions import ApplicationError


def safe_next(request, default, *args, field: str = "next") -> str:
    """The ``next`` of the POST body or the query string when it points into
    this site, else ``default`` (a URL, a path or a URL pattern name; ``args``
    are its arguments)."""
    candidate = request.POST.get(field) or request.GET.get(field) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default, *args)


def error_text(exc) -> str:
    """The message of a refused step for the page: a service's
    ``ApplicationError`` or a ``ValidationError`` (one text, every field's
    messages), in the user's language. The one copy (it was in four views)."""
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def form_errors_text(form) -> str:
    """An invalid form's errors as one line: "label: message" per field."""
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {'；'.join(errors)}".lstrip(": ")
        for name, errors in form.errors.items()
    )
