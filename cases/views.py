"""Pages of filing, unit review and intake: parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import user_memberships, user_roles
from core.exceptions import ApplicationError
from core.form_flash import form_flash_bind
from core.http import error_text, safe_next
from core.pagination import keyset_page
from core.subjects import hook
from deadlines.selectors import clock_list_for_case
from letters.selectors import letter_list_for_case

from . import forms, services
from .models import Origin
from .registry import ACTIONS, CASE_PANELS
from .selectors import (
    case_attachment_get_for_user,
    case_detail_for_user,
    case_get_for_user,
    case_jurisdiction_choices,
    case_list_rows,
    case_page_head,
    policy_lists,
)
from .uploads import attachment_file_response

PAGE_SIZE = 20

# The filing form's steps; a unit application adds its self-check.
STEPS = [
    ("matter", gettext_lazy("The matter")),
    ("reasons", gettext_lazy("Facts and reasons")),
    ("files", gettext_lazy("Evidence")),
    ("selfcheck", gettext_lazy("Self-check")),
    ("review", gettext_lazy("Check and submit")),
]


def _steps_for(case):
    return [(k, v) for k, v in STEPS if k != "selfcheck" or case.origin == Origin.UNIT]


def _no_export(user) -> bool:
    return False


# --- Lists ---------------------------------------------------------------------------------

LIST_TITLES = {
    "mine": gettext_lazy("My cases"),
    "unit": gettext_lazy("Unit review queue"),
    "intake": gettext_lazy("Intake queue"),
    None: gettext_lazy("All cases"),
}


def _case_list(request, queue):
    # Only the jurisdictions the user's cases may be in are offered.
    form = forms.CaseFilterForm(request.GET or None, jurisdictions=case_jurisdiction_choices(user=request.user))
    qs = case_list_rows(user=request.user, filters=form.filters() if request.GET else {}, queue=queue)
    try:
        page = keyset_page(qs, cursor=request.GET.get("cursor"), page_size=PAGE_SIZE)
    except ValidationError:
        # A stale or hand-made cursor: the first page, not an error page.
        page = keyset_page(qs, cursor=None, page_size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("cursor", None)
    return render(request, "cases/case_list.html", {
        "page": page, "form": form, "queue": queue, "title": LIST_TITLES[queue],
        "today": timezone.localdate(), "query": query.urlencode(),
        "may_export": queue != "mine" and bool(hook("case", "may_export", _no_export)(request.user)),
    })


@login_required
def index(request):
    """/cases/ (typed or bookmarked): the staff's search, an applicant's own list."""
    staff = user_roles(request.user) & {Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN,
                                        Role.UNIT_REVIEWER}
    return redirect("cases:search" if staff else "cases:my_cases")


@login_required
def my_cases(request):
    return _case_list(request, "mine")


@login_required
def unit_queue(request):
    return _case_list(request, "unit")


@login_required
def intake_queue(request):
    return _case_list(request, "intake")


@login_required
def search(request):
    return _case_list(request, None)


# --- Filing --------------------------------------------------------------------------------


def _applicant_units(user):
    return [m.org_unit for m in user_memberships(user) if m.role == Role.APPLICANT]


@login_required
def create(request):
    units = _applicant_units(request.user)
    if not units:
        raise Http404
    form = forms.CaseStartForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(actor=request.user, origin=form.cleaned_data["origin"],
                                        unit=form.cleaned_data["unit"], title=form.cleaned_data["title"])
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, error_text(exc))
        else:
            return redirect("cases:edit", case.pk, "matter")
    return render(request, "cases/create.html", {"form": form})


def _step_form(case, step, data=None):
    if step == "matter":
        return forms.MatterForm(data, instance=case)
    if step == "reasons":
        return forms.ReasonsForm(data, instance=case)
    if step == "selfcheck":
        return forms.SelfCheckForm(data, version=case.policy_version, initial_check=case.self_check)
    return None


def _save_step(request, case, step, form):
    if step == "selfcheck":
        services.case_update(case=case, actor=request.user, self_check=form.to_check())
        return
    data = {k: v for k, v in form.cleaned_data.items() if k != "claimed_scenarios"}
    kwargs = {}
    if "claimed_scenarios" in form.cleaned_data:
        kwargs["claimed_scenarios"] = list(form.cleaned_data["claimed_scenarios"])
    services.case_update(case=case, actor=request.user, **data, **kwargs)


@login_required
def edit(request, pk, step):
    case = case_detail_for_user(user=request.user, case_id=pk)
    if "edit" not in services.case_actions_for_user(case=case, user=request.user):
        messages.error(request, _("This application can no longer be edited."))
        return redirect("cases:detail", case.pk)
    steps = _steps_for(case)
    keys = [k for k, _label in steps]
    if step not in keys:
        raise Http404
    form = _step_form(case, step, request.POST or None)
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                _save_step(request, case, step, form)
            except (ApplicationError, ValidationError) as exc:
                messages.error(request, error_text(exc))
            else:
                if request.headers.get("HX-Request"):
                    return HttpResponse(_("Draft saved at %(time)s") % {"time": timezone.localtime().strftime("%H:%M:%S")})
                nxt = keys[min(keys.index(step) + 1, len(keys) - 1)]
                messages.success(request, _("Draft saved."))
                return redirect("cases:edit", case.pk, request.POST.get("goto") or nxt)
        elif request.headers.get("HX-Request"):
            return HttpResponse(_("Not saved: check the highlighted fields."), status=200)
    context = {
        "case": case, "step": step, "steps": steps, "form": form, "lists": policy_lists(case.policy_version),
        "upload_form": forms.UploadForm(), "attachments": list(case.attachments.all()),
        "prev_step": keys[keys.index(step) - 1] if keys.index(step) else None,
        "next_step": keys[keys.index(step) + 1] if keys.index(step) + 1 < len(keys) else None,
    }
    if step == "review":
        context["missing"] = services.case_missing_parts(case=case)
    return render(request, "cases/edit.html", context)


# --- The case page ---------------------------------------------------------------------------


@login_required
def detail(request, pk):
    case = case_detail_for_user(user=request.user, case_id=pk)
    # Only filing and intake actions have their forms here; later stages'
    # forms are in their own panels.
    steps = services.case_actions_for_user(case=case, user=request.user)
    actions = [a for a in steps if ACTIONS[a].app == "cases"]
    panels = []
    for panel in CASE_PANELS:
        ctx = panel.context(request, case)
        if ctx is not None:
            panels.append(render_to_string(panel.template, {**ctx, "case": case}, request))
    context = {
        "case": case, "actions": actions, "lists": policy_lists(case.policy_version),
        "events": list(case.events.all()), "attachments": list(case.attachments.all()),
        "unit_reviews": list(case.unit_reviews.all()), "supplements": list(case.supplement_requests.all()),
        "panels": panels, "upload_form": forms.UploadForm(),
        **_action_forms(request, case),
        "is_filer": request.user.pk in (case.applicant_id, case.created_by_id),
        "open_supplement": next((s for s in case.supplement_requests.all() if not s.answered_at), None),
        "clocks": clock_list_for_case(case=case),
        "letters": letter_list_for_case(case=case),
    }
    context["head"] = case_page_head(case=case, user=request.user, clocks=context["clocks"], actions=steps)
    return render(request, "cases/detail.html", context)


# context name: (action, form class, extra arguments of the unbound form)
ACTION_FORMS = {
    "forward_form": ("unit_forward", forms.UnitForwardForm, lambda: {"initial": {"meeting_date": timezone.localdate()}}),
    "return_form": ("unit_return", forms.UnitReturnForm, dict),
    "accept_form": ("accept", forms.OptionalReasonForm, lambda: {"auto_id": "acc-%s"}),
    "supplement_request_form": ("request_supplement", forms.SupplementRequestForm, dict),
    "supplement_form": ("supplement", forms.SupplementAnswerForm, dict),
    "reason_form": ("not_accept", forms.ReasonForm, dict),
    "withdraw_form": ("withdraw", forms.OptionalReasonForm, lambda: {"auto_id": "wd-%s"}),
}


def _flash_key(case, action: str) -> str:
    return f"cases:{case.pk}:{action}"


def _action_forms(request, case) -> dict:
    """The intake actions' forms; a refused one comes back with what was
    typed and its errors (core.form_flash)."""
    result = {}
    for name, (action, form_class, extra) in ACTION_FORMS.items():
        result[name] = form_flash_bind(
            request, key=_flash_key(case, action),
            build=lambda data, form_class=form_class, extra=extra: form_class(data, **extra()))
    return result


# --- Files -------------------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request, pk):
    case = case_get_for_user(user=request.user, case_id=pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            services.attachment_add(case=case, actor=request.user, file=form.cleaned_data["file"],
                                    kind=form.cleaned_data["kind"])
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("File uploaded."))
    return redirect(safe_next(request, "cases:detail", case.pk))


@login_required
@require_POST
def attachment_delete(request, pk, attachment_id):
    attachment = case_attachment_get_for_user(user=request.user, case_id=pk, attachment_id=attachment_id)
    case = attachment.case
    try:
        services.attachment_delete(attachment=attachment, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("File removed."))
    return redirect(safe_next(request, "cases:detail", case.pk))


@login_required
def attachment_download(request, pk, attachment_id):
    """Files leave only through here (and the API), for users who may see the
    case; an inspector's record only for the handling staff."""
    attachment = case_attachment_get_for_user(user=request.user, case_id=pk, attachment_id=attachment_id)
    return attachment_file_response(attachment)

