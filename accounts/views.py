from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from .forms import ENROL, LoginForm
from .otp import (
    ENROL_SESSION_KEY,
    otp_backup_codes_new,
    otp_enrol_confirm,
    otp_enrol_start,
    otp_has_device,
    otp_pending_device,
    otp_qr_svg,
    otp_secret,
)
from .selectors import second_factor_required, user_memberships
from .services import user_password_changed, user_tokens_revoke


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(demo_mode=settings.DEMO_MODE, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device == ENROL:
            # The password alone: only the set-up of the second factor.
            self.request.session[ENROL_SESSION_KEY] = True
            return redirect("accounts:otp_setup")
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_context_data(self, **kwargs):
        return super().get_context_data(expired=bool(self.request.GET.get("expired")), **kwargs)

    def form_valid(self, form):

        form.save()
        user = form.user
        user_password_changed(user=user, actor=user, request=self.request)
        # His other sessions end; this one goes on.
        update_session_auth_hash(self.request, user)
        if getattr(self.request.user, "otp_device", None) is not None:
            otp_login(self.request, self.request.user.otp_device)
        messages.success(self.request, _("Password changed; your other sessions and API tokens were ended."))
        return redirect(self.get_success_url())


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"memberships": user_memberships(request.user),
                                                     "previous_login": request.session.get("previous_login")})


@login_required
@require_POST
def tokens_revoke(request):

    n = user_tokens_revoke(user=request.user, request=request)
    messages.success(request, _("API tokens revoked: %(n)d.") % {"n": n})
    return redirect("accounts:profile")


def _may_set_up(request) -> bool:
    """Who may (re)place the second factor from this session: one signed in
    with it, one who has none yet, one who needs none (demo mode, an
    applicant)."""
    user = request.user
    return user.is_verified() or not otp_has_device(user) or not second_factor_required(user)


@login_required
def otp_setup(request):
    """The user's own second factor: a QR code to scan (and the key to type
    in), the code it shows to confirm it, then the backup codes, shown once."""
    user = request.user
    context = {"has_device": otp_has_device(user), "enrolling": bool(request.session.get(ENROL_SESSION_KEY)),
               "may_set_up": _may_set_up(request), "required": second_factor_required(user)}
    if request.method == "POST" and context["may_set_up"]:
        action = request.POST.get("action")
        if action == "start":
            otp_enrol_start(user=user)
        elif action == "confirm" and (device := otp_pending_device(user)) is not None:
            try:
                codes = otp_enrol_confirm(user=user, device=device, token=request.POST.get("token", ""),
                                          request=request)
            except ValidationError as exc:
                context["error"] = exc.messages[0]
            else:
                # His other sessions ended; this one goes on, verified.
                user.refresh_from_db()
                update_session_auth_hash(request, user)
                device.refresh_from_db()
                otp_login(request, device)
                request.session.pop(ENROL_SESSION_KEY, None)
                return render(request, "accounts/otp_setup.html", {**context, "has_device": True, "codes": codes,
                                                                   "enrolling": False})
        elif action == "codes" and context["has_device"] and user.is_verified():
            codes = otp_backup_codes_new(user=user, request=request)
            return render(request, "accounts/otp_setup.html", {**context, "codes": codes})
    pending = otp_pending_device(user) if context["may_set_up"] else None
    if pending is not None:
        context.update(pending=pending, qr_svg=otp_qr_svg(pending), secret=otp_secret(pending))
    return render(request, "accounts/otp_setup.html", context)
