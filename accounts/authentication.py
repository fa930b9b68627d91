import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .passwords import password_expired

TOKEN_EXPIRED = _("The token has expired; sign in again for a new one.")
DEMO_REFUSED = _("Demo logins work only in demo mode.")
PASSWORD_EXPIRED = gettext_noop("Your password has expired; change it to go on.")


class PasswordExpired(exceptions.APIException):
    """403 ``password_expired``: the caller's password is older than
    ``PASSWORD_MAX_AGE_DAYS``. A new token comes with ``new_password`` on
    ``POST /api/v1/auth/token/``."""

    status_code = 403
    default_code = "password_expired"

    def __init__(self):
        super().__init__(gettext_now(PASSWORD_EXPIRED), code=self.default_code)


def token_expired(token) -> bool:
    return token.created < timezone.now() - dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, valid for ``API_TOKEN_TTL_HOURS`` after issue and only
    for a user who may sign in now (a demo login outside demo mode may not).
    Disabling a user or changing his roles or password deletes his tokens
    (accounts.services.user_sessions_end)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        if user.is_demo and not settings.DEMO_MODE:
            raise exceptions.AuthenticationFailed(DEMO_REFUSED)
        if password_expired(user):
            # A token outlives no password: issued before the password
            # expired, it stops working when it does (as the browser's
            # session is sent to change it).
            raise PasswordExpired()
        return user, token
