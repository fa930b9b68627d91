from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.http import safe_next

from .forms import PreferenceForm
from .selectors import notification_list_for_user, notification_preference_get
from .services import notification_mark_all_read, notification_mark_read, notification_preference_set

PAGE_SIZE = 30


@login_required
def notification_list(request):
    show = request.GET.get("show", "all")
    unread = True if show == "unread" else None
    page = Paginator(notification_list_for_user(user=request.user, unread=unread), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page, "show": show})


@login_required
@require_POST
def notification_read(request, notification_id: int):
    note = notification_mark_read(user=request.user, notification_id=notification_id)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_item.html", {"n": note})
    return redirect(safe_next(request, "notifications:list"))


@login_required
@require_POST
def notification_read_all(request):
    n = notification_mark_all_read(user=request.user)
    messages.success(request, _("%(count)s notifications marked read.") % {"count": n})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    pref = notification_preference_get(user=request.user)
    form = PreferenceForm(request.POST or None, initial={"email_mode": pref.email_mode})
    if request.method == "POST" and form.is_valid():
        try:
            notification_preference_set(user=request.user, email_mode=form.cleaned_data["email_mode"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your e-mail preference is saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
