"""Pages of the organization department: parse the form, call one
service, say what happened, redirect. The case panel's two steps post to
the generic step view (core.step_views; careers/steps.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from notifications.selectors import case_url

from . import selectors, services
from .forms import FollowUpForm, TypicalCaseForm, UseApplyForm
from .models import FollowUp, ResultUse

APPLIED = gettext_lazy("The application of the result use was recorded.")
FOLLOWUP_DONE = gettext_lazy("The follow-up was recorded.")
TYPICAL_MARKED = gettext_lazy("The outcome was marked as a typical case; the portal shows the redacted write-up.")


def _error_text(exc) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _form_errors(form) -> str:
    return " ".join(f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}".lstrip(": ")
                    for f, e in form.errors.items())


def _run(request, form, call, success) -> bool:
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return False
    try:
        call(**form.cleaned_data)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return False
    messages.success(request, success)
    return True


@login_required
@require_GET
def workbench(request):
    """The organization department's list: result uses by status (in force
    first, nearest end first) and the follow-ups to hold."""
    status = request.GET.get("status") or ResultUse.Status.ACTIVE
    if status not in ResultUse.Status.values:
        status = ResultUse.Status.ACTIVE
    uses = Paginator(selectors.obligation_list_for_user(user=request.user, status=status), 25)
    page = uses.get_page(request.GET.get("page"))
    followups = list(selectors.followup_list_for_user(user=request.user, status=FollowUp.Status.OPEN)[:50])
    may_act = selectors.may_act_on_obligations(user=request.user)
    for followup in followups:
        # One form per follow-up, each with its own field ids.
        followup.form = FollowUpForm(prefix=f"f{followup.pk}") if may_act else None
    return render(request, "careers/workbench.html", {
        "page": page, "status": status, "statuses": ResultUse.Status.choices, "followups": followups,
        "may_act": may_act,
    })


@login_required
@require_GET
def use_detail(request, pk):
    obligation = selectors.obligation_get_for_user(user=request.user, obligation_id=pk)
    may_apply = (services.is_org_dept(obligation.case, request.user)
                 and obligation.status == ResultUse.Status.ACTIVE)
    return render(request, "careers/use_detail.html", {
        "use": obligation, "applications": list(obligation.applications.all()),
        "form": UseApplyForm() if may_apply else None,
    })


@login_required
@require_POST
def use_apply(request, pk):
    obligation = selectors.obligation_get_for_user(user=request.user, obligation_id=pk)
    form = UseApplyForm(request.POST)
    _run(request, form, lambda **d: services.use_apply(obligation=obligation, actor=request.user, **d), APPLIED)
    return redirect("careers:use", pk=obligation.pk)


@login_required
@require_POST
def followup_record(request, pk):
    followup = selectors.followup_get_for_user(user=request.user, followup_id=pk)
    form = FollowUpForm(request.POST, prefix=f"f{followup.pk}")
    _run(request, form, lambda **d: services.followup_record(followup=followup, actor=request.user, **d),
         FOLLOWUP_DONE)
    return redirect(request.POST.get("back") == "case" and case_url(followup.case_id) or "careers:workbench")


@login_required
@require_GET
def cadre_record(request, pk):
    """The cadre's record (容错档案): his cases with their rulings, result
    uses and how each was applied, follow-ups, decisions, corrections and
    clarifications. 404 for anyone who may not see it."""
    record = selectors.cadre_record_for_user(user=request.user, cadre_id=pk)
    return render(request, "careers/cadre_record.html", {**record, "own": record["cadre"].pk == request.user.pk})


@require_GET
def portal_typical_cases(request):
    """The portal's 典型案例: published outcomes marked as typical, with their
    redacted write-ups (public, no login; never a case id or number)."""
    page = Paginator(selectors.typical_cases_public(), 20).get_page(request.GET.get("page"))
    return render(request, "careers/portal_typical_cases.html", {"page": page, "items": page.object_list})


@login_required
def typical_case_mark(request, publication_id):
    """The administrator marks a published outcome as a typical case (典型案例)
    with its write-up, or replaces the write-up (careers.services.typical_case_mark:
    redacted with the publication's terms, refused while a name remains)."""
    publication = selectors.typical_case_publication_for_user(user=request.user, publication_id=publication_id)
    if request.method == "POST":
        form = TypicalCaseForm(request.POST)
        if _run(request, form, lambda **d: services.typical_case_mark(publication=publication, actor=request.user,
                                                                      **d), TYPICAL_MARKED):
            return redirect("careers:typical_case", publication_id=publication.pk)
    else:
        form = TypicalCaseForm(initial={"write_up": publication.typical.write_up if publication.typical else ""})
    return render(request, "careers/typical_case_mark.html", {"publication": publication, "form": form})
