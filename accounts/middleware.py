from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exceptions import problem

from .authentication import PASSWORD_EXPIRED
from .forms import SECOND_FACTOR_REFUSED
from .otp import ENROL_SESSION_KEY, otp_has_device
from .selectors import password_expired, second_factor_required

# Reachable with an expired password: the change itself and signing out.
_OPEN = ("/accounts/password/", "/accounts/logout/", "/static/", "/i18n/")
# Reachable while setting up the second factor.
_ENROL_OPEN = ("/accounts/otp/", "/accounts/logout/", "/static/", "/i18n/")


class AccountPolicyMiddleware:
    """A session of a user who must have a second factor but has not given
    one (a session from before the rule, or made by other means) is ended,
    unless it was opened to set the factor up and he has none yet (then it
    reaches only that page);
    an expired password sends the user to change it (API calls are refused
    until then)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if second_factor_required(user) and not user.is_verified():
                if request.session.get(ENROL_SESSION_KEY) and not otp_has_device(user):
                    # Signed in with the password alone to set up the second
                    # factor: that page and signing out, nothing else.
                    if request.path.startswith(_ENROL_OPEN):
                        return self.get_response(request)
                    if request.path.startswith("/api/"):
                        return JsonResponse(problem(403, "second_factor_required", _(SECOND_FACTOR_REFUSED)),
                                            status=403)
                    return redirect("accounts:otp_setup")
                logout(request)
                return self.get_response(request)
            if password_expired(user) and not request.path.startswith(_OPEN):
                if request.path.startswith("/api/"):
                    return JsonResponse(problem(403, "password_expired", _(PASSWORD_EXPIRED)), status=403)
                return redirect(f"{reverse('accounts:password_change')}?expired=1")
        return self.get_response(request)

