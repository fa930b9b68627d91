from django.db import models


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ChainedRow(models.Model):
    """A row of an append-only, hash-chained history (core.history): the
    hashes of its owner's previous row and its own, in SHA-256 and SM3.
    Written only by ``core.history.chain_append``."""

    prev_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, default="", editable=False)
    prev_sm3 = models.CharField(max_length=64, blank=True, default="", editable=False)
    sm3 = models.CharField("SM3", max_length=64, blank=True, default="", editable=False)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A task to send to the broker, written in the transaction of the step
    that wants it (the transactional outbox): the step commits its change and
    its side effects together or not at all, and a broker outage only delays
    them. ``core.outbox`` sends the rows and marks them."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    # A sender took the row (claim: its token); a stale claim (the sender
    # died) is taken over.
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The worker ran the task to an outcome (success, failure or a retry
    # Celery scheduled itself); a row sent long ago and never done was lost
    # with a killed worker and is sent again.
    done_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent_idx"),
            models.Index(fields=["sent_at"], condition=models.Q(sent_at__isnull=False, done_at__isnull=True),
                         name="outbox_undone_idx"),
            models.Index(fields=["created_at"], name="outbox_created_idx"),
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)!r}"
