"""Pages of clarification cases: the list an inspector works from and the
form that opens one from a report. Each case's own page is the case page
(cases:detail) with this app's panel; its steps post to the generic step
view (core.step_views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import OrgUnit, Role, User
from accounts.selectors import role_paths, subtree_q, user_has_role
from cases.selectors import case_page_url
from core.exceptions import ApplicationError

from . import services
from .forms import OpenForm
from .selectors import clarification_case_list

PAGE_SIZE = 25


def _open_form(request):
    paths = role_paths(request.user, {Role.INSPECTOR})
    units = OrgUnit.objects.filter(subtree_q(paths, "path"), kind=OrgUnit.Kind.UNIT).order_by("path")
    cadres = (User.objects.filter(is_active=True, org_unit__in=units).exclude(pk=request.user.pk)
              .select_related("org_unit").order_by("username"))
    return OpenForm(request.POST or None, cadres=cadres, units=units)


@login_required
@require_http_methods(["GET", "POST"])
def clarification_open(request):
    """An inspector opens a clarification case from a 信访举报."""
    if not user_has_role(request.user, Role.INSPECTOR):
        return render(request, "403.html", status=403)
    form = _open_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.clarification_case_open(actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Clarification case %(number)s opened.") % {"number": case.number})
            return redirect(case_page_url(case.pk))
    return render(request, "clarifications/open.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def clarification_list(request):
    """The clarification cases the user may see, newest first."""
    page = Paginator(clarification_case_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clarifications/list.html", {
        "page": page, "cases": page.object_list,
        "may_open": user_has_role(request.user, Role.INSPECTOR),
    })
