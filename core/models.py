from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RecordedRow(BaseModel):
    """A case-side record someone entered (a ruling, a vote, a use's
    application, a decision): who recorded it, kept even if the account is
    later deactivated (PROTECT), never reached back from the user."""

    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class Scope(models.TextChoices):
    """Where a cadre's name is cleared (澄清正名: 怀来 "在一定范围内")."""

    UNIT = "unit", _("The unit (本单位)")
    SYSTEM = "system", _("The system (本系统)")
    PUBLIC = "public", _("Public (社会公开)")


class Method(models.TextChoices):
    LETTER = "letter", _("Letter (书面)")
    MEETING = "meeting", _("Meeting (会议)")
    NOTICE = "notice", _("Notice (通报)")


class ClarificationRecord(BaseModel):
    """What every clarification (澄清正名) keeps, whether it follows a ruling
    (corrections.Clarification) or is a case of its own opened from a report
    (clarifications.ReportMatter): the scope and method, the statement
    (澄清说明) issued, and the 诬告陷害 referral, which
    ``core.referrals.referral_write`` records for both."""

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, blank=True)
    letter = models.ForeignKey("letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    # 诬告陷害: the referral of a malicious false accusation (internal).
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    referral_facts = models.TextField(_("facts of the false accusation"), blank=True)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        abstract = True


class ChainedRow(models.Model):
    """A row of an append-only, hash-chained history (core.history): the
    hashes of its owner's previous row and its own, in SHA-256 and SM3.
    Written only by ``core.history.chain_append``."""

    prev_sha256 = models.CharField(_("previous SHA-256"), max_length=64, blank=True, default="", editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, default="", editable=False)
    prev_sm3 = models.CharField(_("previous SM3"), max_length=64, blank=True, default="", editable=False)
    sm3 = models.CharField("SM3", max_length=64, blank=True, default="", editable=False)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A task to send to the broker, written in the transaction of the step
    that wants it (the transactional outbox): the step commits its change and
    its side effects together or not at all, and a broker outage only delays
    them. ``core.outbox`` sends the rows and marks them."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A sender took the row (claim: its token); a stale claim (the sender
    # died) is taken over.
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The worker ran the task to an outcome (success, failure or a retry
    # Celery scheduled itself); a row sent long ago and never done was lost
    # with a killed worker and is sent again.
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    sends = models.PositiveSmallIntegerField(_("sends"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent_idx"),
            models.Index(fields=["sent_at"], condition=models.Q(sent_at__isnull=False, done_at__isnull=True),
                         name="outbox_undone_idx"),
            models.Index(fields=["created_at"], name="outbox_created_idx"),
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)!r}"


class IdempotencyKey(models.Model):
    """A POST under /api/ sent with an ``Idempotency-Key`` header, and the
    answer it got (core.idempotency): a retry with the same key gets that
    answer again instead of creating a second time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path, query and parsed body: the same key with
    # another request is refused, not answered with the first one's result.
    fingerprint = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True, default="")
    body = models.BinaryField(default=bytes)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self):
        return f"{self.key} ({self.path})"
