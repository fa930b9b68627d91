from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import LoginForm
from .selectors import user_memberships
from .services import user_password_changed, user_tokens_revoke


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(demo_mode=settings.DEMO_MODE, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            from django_otp import login as otp_login

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
            from django_otp import login as otp_login

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
