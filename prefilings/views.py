"""Pages of the pre-filing track: parse, call one service or selector,
render or redirect with a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from accounts.selectors import user_memberships
from core.exceptions import ApplicationError
from core.form_flash import form_flash_bind
from core.http import safe_next
from deadlines.forms import ExtensionForm
from deadlines.selectors import clock_can_extend, clock_list_for_case

from . import forms, services
from .models import PreFiling, PreFilingAttachment
from .selectors import (
    prefiling_detail_for_user,
    prefiling_get_for_user,
    prefiling_list_for_user,
    prefiling_version_for,
    prefilings_citable_for_case,
    prefilings_cited_by_case,
    procedure_rows,
    report_rows,
)

PAGE_SIZE = 25

def _error_text(exc) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _form_errors(form) -> str:
    return " ".join(f"{form.fields[f].label if f in form.fields else ''} {' '.join(e)}".strip()
                    for f, e in form.errors.items())


def _detail(filing_id: int):
    return redirect(reverse("prefilings:detail", args=[filing_id]))


def _render_list(request, queue: str, title: str):
    filters = {"status": request.GET.get("status", ""), "q": request.GET.get("q", "")}
    if filters["status"] not in PreFiling.Status.values:
        filters["status"] = ""
    qs = prefiling_list_for_user(user=request.user, filters=filters, queue=queue)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    roles = {m.role for m in user_memberships(request.user)}
    return render(request, "prefilings/list.html", {
        "page": page, "filings": page.object_list, "filters": filters, "queue": queue, "heading": title,
        "statuses": PreFiling.Status.choices, "today": timezone.localdate(),
        "may_file": bool(roles & {Role.APPLICANT, Role.UNIT_REVIEWER}),
        "is_intake": Role.INTAKE in roles,
        "is_staff": bool(roles & {Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN}),
    })


@login_required
@require_GET
def prefiling_list(request):
    """Every filing the user may see; a unit's own come first in "mine"."""
    queue = "mine" if request.GET.get("mine") else None
    return _render_list(request, queue, _("My filings") if queue else _("Pre-filings"))


@login_required
@require_GET
def intake_queue(request):
    return _render_list(request, "intake", _("Pre-filings awaiting review"))


@login_required
@require_GET
def warning_list(request):
    return _render_list(request, "warnings", _("Pre-filings with open early warnings"))


def _save_form(request, filing=None):
    # The version the filing is under (or, for a new one, the one in force
    # at the filer's unit today, as prefiling_create takes it): its own
    # procedures and error-prevention areas are offered.
    version = filing.policy_version if filing else prefiling_version_for(unit=request.user.org_unit)
    form = forms.PreFilingForm(request.POST or None, version=version,
                               initial=forms.PreFilingForm.initial_from(filing) if filing else None)
    risks = forms.RiskFormSet(request.POST or None, prefix="risks",
                              initial=(filing.risks if filing else None))
    if request.method == "POST" and form.is_valid() and risks.is_valid():
        data = form.service_data()
        data["risks"] = [f.cleaned_data for f in risks.forms if f.cleaned_data]
        try:
            if filing is None:
                filing = services.prefiling_create(actor=request.user, **data)
            else:
                filing = services.prefiling_update(filing=filing, actor=request.user, **data)
        except (ApplicationError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The draft is saved."))
            return _detail(filing.pk)
    return render(request, "prefilings/form.html", {"form": form, "risks": risks, "filing": filing},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def prefiling_create(request):
    return _save_form(request)


@login_required
@require_http_methods(["GET", "POST"])
def prefiling_edit(request, prefiling_id):
    filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
    if "edit" not in services.prefiling_actions_for_user(filing=filing, user=request.user):
        return render(request, "403.html", status=403)
    return _save_form(request, filing)


@login_required
@require_GET
def prefiling_detail(request, prefiling_id):
    filing = prefiling_detail_for_user(user=request.user, prefiling_id=prefiling_id)
    actions = services.prefiling_actions_for_user(filing=filing, user=request.user)
    attachments = list(filing.attachments.all())
    reports = [{"report": r, "rows": report_rows(filing, r)} for r in filing.reports.all()]
    context = {
        "filing": filing, "actions": actions, "attachments": attachments,
        "procedures": procedure_rows(filing, attachments), "reports": reports,
        "warnings": list(filing.warnings.all()), "events": list(filing.events.all()),
        "citations": list(filing.citations.all()),
        "letter": getattr(filing, "letter", None), "evaluation": getattr(filing, "evaluation", None),
        "missing": services.prefiling_missing_parts(filing=filing) if "submit" in actions else [],
    }
    if "attach" in actions:
        context["attachment_form"] = forms.AttachmentForm()
    context["clocks"] = _clocks(filing)
    # A refused step comes back with what was typed and its errors
    # (core.form_flash).
    for name, action, build in (
        ("missing_form", "request_supplement", lambda data: forms.MissingForm(data)),
        ("answer_form", "supplement", lambda data: forms.AnswerForm(data)),
        ("register_form", "register", lambda data: forms.RegisterForm(
            data, initial={"report_interval_days": services.default_report_interval(filing=filing)})),
        ("refuse_form", "refuse", lambda data: forms.RefuseForm(data)),
        ("progress_form", "report_progress", lambda data: forms.ProgressForm(data, risks=filing.risks)),
        ("evaluation_form", "evaluate", lambda data: forms.EvaluationForm(data)),
        ("resolve_form", "resolve_warning", lambda data: forms.ResolveWarningForm(data)),
    ):
        if action in actions:
            context[name] = form_flash_bind(request, key=_flash_key(filing, action), build=build)
    return render(request, "prefilings/detail.html", context)


def _clocks(filing) -> list:
    """The filing's clocks as the case page's clocks panel shows them
    (deadlines/case_clocks.html), each extended through this app's page."""
    found = clock_list_for_case(record=filing)
    for clock in found:
        clock.extend_url = reverse("prefilings:clock_extend", args=[filing.pk, clock.pk])
    return found


@login_required
@require_http_methods(["GET", "POST"])
def clock_extend(request, prefiling_id, clock_id):
    """Extend one of the filing's clocks, as the case's (deadlines.views):
    a page of its own without JavaScript; the filing page embeds the same
    form in its clocks panel."""
    filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
    if not clock_can_extend(user=request.user, case=filing):
        return render(request, "403.html", status=403)
    back = safe_next(request, reverse("prefilings:detail", args=[filing.pk]))
    clock = next((c for c in clock_list_for_case(record=filing) if c.pk == clock_id), None)
    if clock is None:
        raise Http404
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.prefiling_clock_extend(filing=filing, clock_id=clock_id, actor=request.user,
                                            **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The time limit is extended."))
            return redirect(back)
    return render(request, "deadlines/extend.html", {"case": filing, "clock": clock, "form": form, "next": back},
                  status=400 if form.errors else 200)


def _flash_key(filing, action: str) -> str:
    return f"prefilings:{filing.pk}:{action}"


@login_required
@require_POST
def attachment_add(request, prefiling_id):
    filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _detail(filing.pk)
    try:
        services.prefiling_attachment_add(filing=filing, actor=request.user, **form.cleaned_data)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The file is added."))
    return _detail(filing.pk)


def _attachment(request, prefiling_id, attachment_id) -> PreFilingAttachment:
    filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
    attachment = PreFilingAttachment.objects.filter(pk=attachment_id, prefiling=filing).first()
    if attachment is None:
        raise Http404
    attachment.prefiling = filing
    return attachment


@login_required
@require_POST
def attachment_delete(request, prefiling_id, attachment_id):
    attachment = _attachment(request, prefiling_id, attachment_id)
    try:
        services.prefiling_attachment_delete(attachment=attachment, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file is removed."))
    return _detail(attachment.prefiling_id)


def _file_response(field, name: str, content_type: str, sha256: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-SHA256"] = sha256
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def attachment_download(request, prefiling_id, attachment_id):
    a = _attachment(request, prefiling_id, attachment_id)
    return _file_response(a.file, a.original_name, a.content_type, a.sha256)


def letter_response(filing) -> FileResponse:
    letter = getattr(filing, "letter", None)
    if letter is None or not letter.is_ready or not letter.file:
        raise Http404
    return _file_response(letter.file, f"{letter.number}报备容错受理决定书.pdf", "application/pdf", letter.sha256)


@login_required
@require_GET
def letter_download(request, prefiling_id):
    filing = prefiling_get_for_user(user=request.user, prefiling_id=prefiling_id)
    return letter_response(filing)


# --- The case page ---------------------------------------------------------------------


def case_panel_context(request, case) -> dict | None:
    """The case-page panel: cited filings, declared vs. happened, and the
    citation form for whoever may cite now. Hidden when there is nothing
    to show."""
    citations = prefilings_cited_by_case(case=case)
    may_cite = services.case_may_cite(case=case, user=request.user)
    if not citations and not may_cite:
        return None
    context = {"citations": citations, "may_cite": may_cite}
    if may_cite:
        citable = list(prefilings_citable_for_case(case=case, user=request.user))
        context["cite_form"] = forms.CiteForm(choices=citable) if citable else None
    return context
