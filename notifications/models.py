from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one person: in the notification centre, and by e-mail
    (at once or in the daily digest, per ``NotificationPreference``).

    ``message`` is stored already rendered (in the site's default language)
    because the people notified may read it long after, in a task with no
    request language.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("by"),
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("case"),
    )
    # The case event this notifies of, if any: at most one notification per
    # event and recipient, so a redelivered task notifies nobody twice.
    event = models.ForeignKey(
        "cases.CaseEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    message = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="uniq_notification_event",
                condition=models.Q(event__isnull=False),
            ),
        ]
        indexes = [
            # The centre and the header count: a user's notifications, unread first.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_recipient_idx"),
            # The daily digest: unread notifications not yet e-mailed.
            models.Index(
                fields=["recipient"], name="notif_digest_idx",
                condition=models.Q(read_at__isnull=True, emailed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a user wants e-mail. A user without a row gets the default
    (immediate)."""

    class EmailMode(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately, one e-mail per notification")
        DIGEST = "digest", _("Once a day, one digest e-mail")
        NONE = "none", _("No e-mail (notification centre only)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_mode = models.CharField(
        _("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id} {self.email_mode}"
