from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .selectors import second_factor_required
from .signals import security_event

SECOND_FACTOR_REFUSED = gettext_noop("A valid code from your authenticator app is required for this account.")


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
                                                  request=self.request)
        return cleaned


def second_factor_check(user, token: str, *, request=None):
    """The device that accepts ``token`` when ``user`` needs a second
    factor, None when he needs none; refused otherwise (and recorded)."""
    from django.core.exceptions import ValidationError
    from django_otp import match_token


    if not second_factor_required(user):
        return None
    device = match_token(user, token.strip()) if token and token.strip() else None
    if device is None:
        security_event.send(sender=type(user), kind="otp_failed", actor=user, request=request)
        raise ValidationError(_(SECOND_FACTOR_REFUSED), code="second_factor_required")
    return device
