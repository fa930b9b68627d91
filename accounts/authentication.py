import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

TOKEN_EXPIRED = _("The token has expired; sign in again for a new one.")
DEMO_REFUSED = _("Demo logins work only in demo mode.")


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
        return user, token
