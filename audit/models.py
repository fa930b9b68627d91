"""Security audit records (GB/T 22239-2019 8.1.4.3 安全审计): who signed in
or failed to, from where, lockouts, role changes, exports, downloads of
letters and evidence, admin actions. Append-only and chained like the case
history (core.history); readable only by the audit administrator; removed
only by the retention purge once older than ``AUDIT_RETENTION_DAYS``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ChainedRow


class AuditKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOCKOUT_CLEARED = "lockout_cleared", _("Lockout cleared")
    SECOND_FACTOR_FAILED = "otp_failed", _("Second factor refused")
    SECOND_FACTOR_ENROLLED = "otp_enrolled", _("Second factor set up")
    BACKUP_CODES_ISSUED = "otp_backup_codes", _("Backup codes issued")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    USER_DISABLED = "user_disabled", _("User disabled")
    USER_ENABLED = "user_enabled", _("User enabled")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    SESSIONS_ENDED = "sessions_ended", _("Sessions ended")
    EXPORT = "export", _("Export")
    LETTER_DOWNLOAD = "letter_download", _("Letter downloaded")
    FILE_DOWNLOAD = "file_download", _("Evidence file downloaded")
    ADMIN_ACTION = "admin_action", _("Admin action")
    AUDIT_EXPORT = "audit_export", _("Audit log exported")
    AUDIT_PURGE = "audit_purge", _("Old audit records removed")


class AuditRecord(ChainedRow):
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=AuditKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("user"),
    )
    # As typed at a failed sign-in; the actor's username otherwise.
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    # What it concerns: "cases.Case:12", a path, a user name.
    target = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"
