"""The one page view of every step (core.steps): parse the step's form,
call its service, say what happened, go back to the record's page.

Each step's form posts here (``cases:step``; the older per-app addresses
``cases:action``, ``reviews:action`` and ``corrections:action`` route here
too, so bookmarks and the browser tests keep working). Post/redirect/get: a
refused step comes back with what was typed (core.form_flash) and the
refusal's message; nothing changed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .exceptions import ApplicationError
from .form_flash import form_flash_keep
from .http import error_text, form_errors_text
from .steps import STEPS, step_kwargs
from .subjects import subject as subject_named


def step_flash_key(step, pk) -> str:
    """The key under which a refused POST of ``step`` is kept: the panel
    that shows the step's form binds it with the same key."""
    return f"{step.app}:{pk}:{step.name}"


@login_required
@require_POST
def step_post(request, pk: int, action: str, subject: str = "case"):
    owner = subject_named(subject)
    record = owner.get_for_user(request.user, pk)  # Http404 when not visible
    step = STEPS.get(subject, {}).get(action)
    if step is None or step.service is None:
        raise Http404
    back = owner.page_url(record.pk)
    kwargs = {}
    if step.form is not None:
        form = step.form(request.POST, request.FILES, record)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
            form_flash_keep(request, key=step_flash_key(step, record.pk), form=form)
            # No fragment: the page's script brings the kept form into view.
            return redirect(back)
        kwargs = step_kwargs(form)
    try:
        step.service(**{subject: record}, actor=request.user, **kwargs)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, error_text(exc))
        form_flash_keep(request, key=step_flash_key(step, record.pk))
        refused = getattr(step, "refused_url", None)
        return redirect(refused(record) if refused else back)
    # A step whose message depends on the record declares a callable
    # (record -> message): a joint ruling waits for the countersign.
    success = step.success(record) if callable(step.success) else step.success
    if success:
        messages.success(request, success)
    return redirect(back + step.anchor)
