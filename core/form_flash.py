"""What a user typed into a refused form, kept for the page the view goes
back to.

The action forms of the case page and of the pre-filing page post to their
own URLs and redirect back (post/redirect/get). Without this, a refused step
(bad input, or a service that says no) would come back with empty fields and
the user would have to type a long reasoning again. ``form_flash_keep`` stores
the POST (not files: a browser cannot refill a file input) and the names of
the fields in error in the session; the page builds that action's form with
``form_flash_bind``, which binds it to the kept input once and shows the same
errors, no others.
"""

import time
from collections.abc import Callable

from django.forms import Form
from django.http import HttpRequest, QueryDict

SESSION_KEY = "_form_flash"
# A kept form that the next page did not show (the step was gone by then)
# must not come back days later.
MAX_AGE_SECONDS = 15 * 60


def form_flash_keep(request: HttpRequest, *, key: str, form: Form | None = None) -> None:
    """Keep ``request.POST`` for the form known as ``key``; ``form`` (when
    it was invalid) says which fields were in error."""
    data = {name: request.POST.getlist(name) for name in request.POST if name != "csrfmiddlewaretoken"}
    errors = list(form.errors) if form is not None and form.is_bound else []
    request.session[SESSION_KEY] = {"key": key, "data": data, "errors": errors, "at": time.time()}


def form_flash_bind(request: HttpRequest, *, key: str, build: Callable[[QueryDict | None], Form]) -> Form:
    """``build(None)`` normally; ``build(kept input)`` once after a refused
    POST for ``key``, with only the errors that POST had."""
    # Pages rendered outside a browser session (tests' request factories,
    # the panel API) have nothing kept.
    session = getattr(request, "session", None)
    flash = session.get(SESSION_KEY) if session is not None else None
    if not flash or flash.get("key") != key:
        return build(None)
    del session[SESSION_KEY]
    if time.time() - flash.get("at", 0) > MAX_AGE_SECONDS:
        return build(None)
    data = QueryDict(mutable=True)
    for name, values in flash["data"].items():
        data.setlist(name, values)
    form = build(data)
    # Re-validating would add errors the user did not get (an emptied file
    # input is "required" again); show the refused POST's errors only.
    for name in list(form.errors):
        if name not in flash["errors"]:
            del form.errors[name]
    return form
