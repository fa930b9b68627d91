"""Chinese names for the third-party apps the admin shows (issue 22: the
admin showed AXES, Otp, Totp, Access attempts…). Each AppConfig keeps its
package's name and label, so models, migrations and permissions do not
change; only what the admin prints is ours. Listed in INSTALLED_APPS in
place of the packages' own configs."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login attempts and lockouts")

    def ready(self):
        super().ready()
        # The records' names, which the admin prints in its titles and
        # breadcrumbs, are English f-strings in axes ("Access Log for … @ …"),
        # with no msgid to translate: ours, in the project catalogue.
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessLog.__str__ = _access_log_str
        AccessAttempt.__str__ = _access_attempt_str
        AccessFailureLog.__str__ = _access_failure_str
        # The attempts list's "Status" column is a method without a
        # short_description.
        from axes.admin import AccessAttemptAdmin

        AccessAttemptAdmin.status.short_description = _("Status")


def _access_log_str(self) -> str:
    return _("Login record of %(username)s at %(time)s") % {"username": self.username, "time": self.attempt_time}


def _access_attempt_str(self) -> str:
    return _("Login attempt at %(time)s") % {"time": self.attempt_time}


def _access_failure_str(self) -> str:
    text = _("Failed login of %(username)s at %(time)s from %(ip)s") % {
        "username": self.username, "time": self.attempt_time, "ip": self.ip_address}
    # Not inside the f-string: makemessages (xgettext) does not read there.
    locked = _("(locked out)")
    return f"{text}{locked}" if self.locked_out else text


class TotpConfig(TotpAppConfig):
    verbose_name = _("Second factor (dynamic password)")

    def ready(self):
        super().ready()
        # django-otp names the model "TOTP device" without gettext. Only what
        # the admin prints changes: the migration state reads the model's
        # original Meta (Options.original_attrs), so no migration follows.
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice._meta.verbose_name = _("TOTP device")
        TOTPDevice._meta.verbose_name_plural = _("TOTP devices")


# Msgids of django-axes that have no Chinese in the package (its field
# labels and model names): declared here so that makemessages keeps them in
# the project catalogue, where locale/zh_Hans/glossary.json translates them.
AXES_MSGIDS = [
    gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("access failure"),
    gettext_noop("access failures"), gettext_noop("access log"), gettext_noop("access logs"),
    gettext_noop("Access Attempt"), gettext_noop("Access lock out"), gettext_noop("Attempt Time"),
    gettext_noop("Attempt Remaining"), gettext_noop("Locked Out"), gettext_noop("Logout Time"),
    gettext_noop("User Agent"), gettext_noop("IP Address"), gettext_noop("Username"), gettext_noop("HTTP Accept"),
    gettext_noop("Path"), gettext_noop("Form Data"), gettext_noop("Meta Data"), gettext_noop("GET Data"),
    gettext_noop("POST Data"), gettext_noop("Failed Logins"), gettext_noop("Expires At"),
    gettext_noop("Session key hash (sha256)"), gettext_noop("Not set"), gettext_noop("Yes"), gettext_noop("No"),
    gettext_noop("Clean up expired attempts"), gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Account locked: too many login attempts. Contact an admin to unlock your account."),
    gettext_noop("The time when access attempt expires and is no longer valid."),
]
# Django 5's admin strings that its zh_Hans catalogue lacks.
DJANGO_ADMIN_MSGIDS = [
    gettext_noop("Model name"), gettext_noop("Add link"), gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # Django's form label suffix, ASCII in its Chinese (issue 22: ASCII
    # colons in Chinese text): the full-width colon.
    gettext_noop(":"),
]
# Django's own msgids whose zh_Hans wording is wrong: ours, in the project
# catalogue, comes first (LOCALE_PATHS). "Null characters…" (a NUL in any
# form field or API string, e.g. ``?q=%00``) reads "不允许是用空字符串。"
# there: it speaks of an empty string, with a typo.
DJANGO_MSGIDS_REWORDED = [gettext_noop("Null characters are not allowed.")]
