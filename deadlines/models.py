from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from policies.models import TimeLimitStage, TimeUnit


class Clock(BaseModel):
    """A stage clock. Its due date is derived from the start, the time limit
    and the entries (pauses, resumes, extensions), or from ``fixed_due``
    when the step set the date; ``due_date`` is a stored
    copy of that derivation, kept for the indexed reminder sweep and written
    only by ``deadlines.services.clock_recompute``."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    # A case's clock; a clock of another subject (core.subjects: a
    # pre-filing) names it by ``subject`` and ``subject_pk`` instead, so
    # deadlines knows no workflow model but the case's.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="clocks", null=True, blank=True)
    subject = models.CharField(max_length=20, default="case")
    subject_pk = models.PositiveBigIntegerField(null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=30, choices=TimeLimitStage.choices)
    # Optional sub-object the clock belongs to (e.g. a rectification task).
    ref = models.CharField(max_length=50, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_on = models.DateField(_("started on"))
    amount = models.PositiveSmallIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    start_rule = models.CharField(max_length=20, default="next_day")
    extension_allowed = models.BooleanField(default=False)
    extension_max = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # A due date the step fixed (an explicit 补正 deadline) instead of the
    # policy's time limit; the clock still reminds, escalates and extends.
    fixed_due = models.DateField(_("fixed due date"), null=True, blank=True)
    flagged = models.BooleanField(
        _("calendar data missing"), default=False,
        help_text=_("The computation touched a year with no holiday schedule."),
    )
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stage clock")
        verbose_name_plural = _("stage clocks")
        ordering = ["started_on", "id"]
        indexes = [
            # The reminder sweep: running clocks by due date.
            models.Index(fields=["status", "due_date"], name="clock_sweep_idx"),
            # The clocks of one record of another subject.
            models.Index(fields=["subject", "subject_pk"], name="clock_subject_idx",
                         condition=models.Q(subject_pk__isnull=False)),
        ]

    def __str__(self):
        return f"{self.case_id or f'{self.subject}:{self.subject_pk}'} {self.stage} → {self.due_date}"


class ClockEntry(models.Model):
    class Kind(models.TextChoices):
        PAUSE = "pause", _("Paused")
        RESUME = "resume", _("Resumed")
        EXTEND = "extend", _("Extended")
        STOP = "stop", _("Stopped")

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    on = models.DateField()
    days = models.PositiveSmallIntegerField(default=0)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Reminder(models.Model):
    """One reminder about one clock, sent at most once.

    The unique key (clock, kind, day) is what makes the sweep exactly-once:
    the sweep inserts the row with ``ON CONFLICT DO NOTHING`` in the same
    transaction as the notifications, and only the transaction whose insert
    created the row notifies anyone. A retried task, a second worker or an
    overlapping run finds the row and does nothing.

    ``day`` is the day the reminder is *scheduled for* (T-3, T-1, the due
    date, the first overdue day) except for the daily ``overdue`` reminder,
    whose day is the day it went out.
    """

    class Kind(models.TextChoices):
        BEFORE = "before", _("Due soon")
        DUE = "due", _("Due today")
        OVERDUE = "overdue", _("Overdue")
        ESCALATION = "escalation", _("Escalated to the supervisor")

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    day = models.DateField(_("day"))
    # Working days before the due date, for ``before`` reminders.
    offset = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField(_("due date"))
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "kind", "day"], name="uniq_reminder"),
        ]

    def __str__(self):
        return f"{self.clock_id} {self.kind} {self.day}"
