from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from core.http import safe_next
from core.subjects import subject
from notifications.selectors import case_url

from .forms import ExtensionForm
from .selectors import clock_can_extend, clock_list_for_case
from .services import clock_extension_grant


def _back(request, case) -> str:
    return safe_next(request, case_url(case.pk))


@login_required
@require_http_methods(["GET", "POST"])
def clock_extend(request, case_id: int, clock_id: int):
    """The extension form (a page of its own without JavaScript; the case
    page embeds the same form in its clocks panel)."""
    case = subject("case").get_for_user(request.user, case_id)
    if not clock_can_extend(user=request.user, case=case):
        return render(request, "403.html", status=403)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clock_extension_grant(case=case, clock_id=clock_id, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status_code == 403:
                return render(request, "403.html", status=403)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The time limit is extended."))
            return redirect(_back(request, case))
    clocks = [c for c in clock_list_for_case(case=case) if c.pk == clock_id]
    if not clocks:
        from django.http import Http404

        raise Http404
    status = 400 if form.errors else 200
    return render(
        request, "deadlines/extend.html",
        {"case": case, "clock": clocks[0], "form": form, "next": _back(request, case)}, status=status,
    )
