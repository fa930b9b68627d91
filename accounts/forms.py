from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp import match_token

from .otp import otp_has_device
from .selectors import second_factor_required
from .signals import security_event

SECOND_FACTOR_REFUSED = gettext_noop("A valid code from your authenticator app is required for this account.")
# The login's answer for a user who must have a second factor and has none
# yet: signed in to set it up (accounts.otp), nothing else.
ENROL = "enrol"


class LoginForm(AuthenticationForm):
    # One message for an unknown user and a wrong password: no enumeration.
    error_messages = {
        "invalid_login": _("The username or password is incorrect."),
        "inactive": _("The username or password is incorrect."),
    }
    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    # TOTP (django-otp) for staff and administrators outside demo mode.
    otp_token = forms.CharField(
        label=_("Authenticator code"), required=False, max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_device = None

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None:
            self.otp_device = second_factor_check(user, self.cleaned_data.get("otp_token", ""),
                                                  request=self.request, allow_enrol=True)
        return cleaned


def second_factor_check(user, token: str, *, request=None, allow_enrol: bool = False):
    """The device that accepts ``token`` when ``user`` needs a second
    factor, None when he needs none; refused otherwise (and recorded).
    ``allow_enrol`` (the browser's login): ``ENROL`` for a user who needs one
    and has none yet, when users set up their own (``OTP_SELF_ENROL``)."""
    if not second_factor_required(user):
        return None
    token = (token or "").strip()
    if allow_enrol and settings.OTP_SELF_ENROL and not token and not otp_has_device(user):
        return ENROL
    device = match_token(user, token) if token else None
    if device is None:
        security_event.send(sender=type(user), kind="otp_failed", actor=user, request=request)
        raise ValidationError(_(SECOND_FACTOR_REFUSED), code="second_factor_required")
    return device
