"""Password rules beyond Django's validators (settings PASSWORD_*)."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordHistory, User

CLASSES = (str.islower, str.isupper, str.isdigit)


def character_classes(password: str) -> int:
    found = {i for ch in password for i, test in enumerate(CLASSES) if test(ch)}
    if any(not ch.isalnum() for ch in password):
        found.add(len(CLASSES))
    return len(found)


class CharacterClassValidator:
    """At least PASSWORD_MIN_CLASSES of: lower-case, upper-case, digits,
    other characters."""

    def validate(self, password, user=None):
        need = settings.PASSWORD_MIN_CLASSES
        if character_classes(password) < need:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("The password must mix at least %(n)d of: lower-case letters, upper-case letters, digits, "
                 "other characters.") % {"n": settings.PASSWORD_MIN_CLASSES}


class HistoryValidator:
    """Not one of the user's last PASSWORD_HISTORY passwords (nor the
    current one)."""

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None) or settings.PASSWORD_HISTORY <= 0:
            return

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        old = list(PasswordHistory.objects.filter(user_id=user.pk).order_by("-id")
                   .values_list("password", flat=True)[: settings.PASSWORD_HISTORY])
        if any(h and check_password(password, h) for h in [current, *old]):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        # Called by Django after set_password + save: keep the new hash.
        if user is None or not getattr(user, "pk", None):
            return

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(user_id=user.pk).order_by("-id").values_list("id", flat=True)
        PasswordHistory.objects.filter(user_id=user.pk).exclude(
            id__in=list(keep[: max(settings.PASSWORD_HISTORY, 1)])).delete()

    def get_help_text(self):
        return ngettext("The password cannot be the current one or the last one used.",
                        "The password cannot be the current one or one of the last %(n)d used.",
                        settings.PASSWORD_HISTORY) % {"n": settings.PASSWORD_HISTORY}


def password_expired(user: User) -> bool:
    """Older than ``PASSWORD_MAX_AGE_DAYS`` (never in demo mode): the browser
    is sent to change it, the API refuses the user's tokens until he does."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or settings.DEMO_MODE or not user.is_authenticated or not user.has_usable_password():
        return False
    since = user.password_changed_at or user.date_joined
    return since < timezone.now() - dt.timedelta(days=days)
