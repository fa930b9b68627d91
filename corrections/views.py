"""Correction panel actions: parse the form, call the service, say what
happened, go back to the case page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_get_for_user
from core.exceptions import ApplicationError
from core.form_flash import form_flash_keep
from notifications.selectors import case_url

from .forms import action_form
from .selectors import correction_file_get_for_case, correction_flash_key, correction_panel_context
from .services import ACTION_SERVICES

SUCCESS = {
    "start_correction": gettext_lazy("The correction was started."),
    "send_correction_notice": gettext_lazy("The correction notice was sent."),
    "record_talk": gettext_lazy("The reminder talk was recorded."),
    "add_rectification_task": gettext_lazy("The rectification task was set."),
    "submit_rectification_report": gettext_lazy("Your rectification report was submitted."),
    "accept_rectification": gettext_lazy("The rectification was accepted."),
    "return_rectification": gettext_lazy("The report was returned with a new deadline."),
    "record_rule_change": gettext_lazy("The rule change was recorded; the correction is complete."),
    "skip_correction": gettext_lazy("The correction was skipped."),
    "request_clarification": gettext_lazy("The clarification was requested."),
    "record_clarification": gettext_lazy("The untrue points were recorded."),
    "issue_clarification": gettext_lazy("The clarification statement was issued."),
    "record_referral": gettext_lazy("The referral was recorded."),
    "skip_clarification": gettext_lazy("The clarification was skipped."),
    "close": gettext_lazy("The case was closed."),
}


def _back(case) -> str:
    return case_url(case.pk)


def _error_text(exc) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


@login_required
@require_POST
def action(request, pk, action):
    case = case_get_for_user(user=request.user, case_id=pk)
    service = ACTION_SERVICES.get(action)
    if service is None:
        raise Http404
    form = action_form(action, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(
            f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}".lstrip(": ")
            for f, e in form.errors.items()))
        form_flash_keep(request, key=correction_flash_key(case, action), form=form)
        return redirect(_back(case))
    try:
        service(case=case, actor=request.user, **form.service_kwargs())
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        form_flash_keep(request, key=correction_flash_key(case, action))
    else:
        messages.success(request, SUCCESS[action])
    return redirect(_back(case))


@login_required
@require_GET
def case_record(request, pk):
    """The correction record of one case on a page of its own (the case
    page shows the same panel)."""
    case = case_get_for_user(user=request.user, case_id=pk)
    context = correction_panel_context(request, case)
    if context is None:
        raise Http404
    return render(request, "corrections/case_record.html", {**context, "case": case})


@login_required
@require_GET
def file_download(request, pk, file_id):
    case = case_get_for_user(user=request.user, case_id=pk)
    row = correction_file_get_for_case(case=case, file_id=file_id)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.content_type)
    response["X-Content-SHA256"] = row.sha256
    response["Cache-Control"] = "private, no-store"
    return response

