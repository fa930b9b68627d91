"""Error prevention (防错, Kunming): pre-filing of risky reform measures
(事前报备), progress reports and early warnings (事中控制, 抓早抓小), the
evaluation that closes a filing (事后评估), and the citations by which a
later case sets what was declared in advance beside what happened.

A pre-filing has no case, so it keeps its own history (``PreFilingEvent``);
its due dates are clocks of the deadlines app (subject "prefiling"), whose
sweep sends the reminders; its registration letter is a ``letters.Letter``
owned by the filing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BaseModel, ChainedRow
from letters.models import LetterKind


class Procedure(models.TextChoices):
    """Decision procedures a unit declares it followed (DESIGN §2:
    prevention; Kunming 防错: 集体决策、专家咨询、听证公示、合法性审查)."""

    COLLECTIVE = "collective_decision", _("Collective decision (集体决策)")
    EXPERT = "expert_consultation", _("Expert consultation (专家咨询)")
    HEARING = "hearing", _("Hearing or public notice (听证公示)")
    LEGAL = "legal_review", _("Legal review (合法性审查)")


class PreFiling(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("prefiling", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("prefiling", "Awaiting review")
        SUPPLEMENT = "supplement", pgettext_lazy("prefiling", "Awaiting supplement")
        REGISTERED = "registered", pgettext_lazy("prefiling", "Registered")
        REFUSED = "refused", pgettext_lazy("prefiling", "Refused")
        CLOSED = "closed", pgettext_lazy("prefiling", "Closed (evaluated)")

    # Allocated at registration, per jurisdiction and year, without gaps:
    # 怀容备〔2026〕第0001号.
    number = models.CharField(_("filing number"), max_length=50, blank=True, db_index=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="prefilings",
                             verbose_name=_("unit"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prefilings",
                                 verbose_name=pgettext_lazy("prefiling", "filed by"))
    jurisdiction = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT,
                                     related_name="jurisdiction_prefilings", verbose_name=_("jurisdiction"))
    policy_version = models.ForeignKey("policies.PolicyVersion", on_delete=models.PROTECT,
                                       related_name="prefilings", verbose_name=_("policy version"))

    title = models.CharField(_("measure"), max_length=200)
    measure = models.TextField(_("what the measure is"), blank=True)
    reasons = models.TextField(_("why it is needed"), blank=True)
    # [{"risk": "…", "control": "…"}], in the order declared; progress
    # reports refer to a risk by its index.
    risks = models.JSONField(_("risks foreseen and controls"), default=list, blank=True)
    # {procedure code: {"done": bool, "note": "…"}} for every ``Procedure``.
    procedures = models.JSONField(_("decision procedure followed"), default=dict, blank=True)
    # 防错 (issue 18): the key area of the version's 防错 rules the measure
    # falls in (a ``prevention_area`` item of ``policy_version``).
    area = models.ForeignKey("policies.PolicyItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("error-prevention area"))
    responsible = models.TextField(_("people responsible"), blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    # Set by intake at registration (calendar days between progress reports).
    report_interval_days = models.PositiveSmallIntegerField(_("progress-report interval (days)"), null=True,
                                                            blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Copies of its clocks' due dates (deadlines), for the lists and pages.
    review_due = models.DateField(_("review due"), null=True, blank=True)
    review_due_flagged = models.BooleanField(default=False)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    next_report_due = models.DateField(_("next progress report due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The nearest of those (review due, next report due or end of period),
    # kept by the services.
    next_due = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("pre-filing")
        verbose_name_plural = _("pre-filings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "number_year", "number_seq"],
                                    name="uniq_prefiling_number", condition=models.Q(number_seq__isnull=False)),
        ]
        indexes = [models.Index(fields=["status", "next_due"], name="prefiling_sweep_idx")]

    def __str__(self):
        return self.number or f"#{self.pk} {self.title}"

    @property
    def is_registered(self) -> bool:
        return self.registered_at is not None and self.status in (self.Status.REGISTERED, self.Status.CLOSED)

    @property
    def letter(self):
        """The registration decision (报备容错受理决定书, a ``letters.Letter``),
        or None; from ``letters`` when the selector prefetched them."""
        return next((x for x in self.letters.all() if x.kind == LetterKind.PREFILING_REGISTRATION), None)


class PreFilingNumberCounter(models.Model):
    """Last number per jurisdiction and year; locked while one is handed
    out, so a rolled-back registration leaves no gap."""

    jurisdiction = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="uniq_prefiling_counter")]


class PreFilingEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("prefiling", "Draft created")
    EDITED = "edited", pgettext_lazy("prefiling", "Draft edited")
    SUBMITTED = "submitted", pgettext_lazy("prefiling", "Submitted")
    SUPPLEMENT_REQUESTED = "supplement_requested", pgettext_lazy("prefiling", "Supplement requested")
    SUPPLEMENT_ANSWERED = "supplement_answered", pgettext_lazy("prefiling", "Supplement answered")
    REGISTERED = "registered", pgettext_lazy("prefiling", "Registered")
    REFUSED = "refused", pgettext_lazy("prefiling", "Refused")
    PROGRESS_REPORTED = "progress_reported", pgettext_lazy("prefiling", "Progress reported")
    WARNING_RAISED = "warning_raised", pgettext_lazy("prefiling", "Early warning raised")
    WARNING_RESOLVED = "warning_resolved", pgettext_lazy("prefiling", "Early warning resolved")
    EVALUATED = "evaluated", pgettext_lazy("prefiling", "Evaluated and closed")
    CITED = "cited", pgettext_lazy("prefiling", "Cited by a case")
    ATTACHMENT_ADDED = "attachment_added", pgettext_lazy("prefiling", "File added")
    ATTACHMENT_REMOVED = "attachment_removed", pgettext_lazy("prefiling", "File removed")
    # Written by letters.services for the filing's registration letter.
    LETTER_ISSUED = "letter_issued", pgettext_lazy("prefiling", "Letter issued")
    LETTER_READY = "letter_ready", pgettext_lazy("prefiling", "Letter ready")
    LETTER_FAILED = "letter_failed", pgettext_lazy("prefiling", "Letter failed")
    LETTER_REGENERATED = "letter_regenerated", pgettext_lazy("prefiling", "Letter regenerated")
    # Written by deadlines.services.clock_extension_grant for the filing's clocks.
    DEADLINE_EXTENDED = "deadline_extended", pgettext_lazy("prefiling", "Time limit extended")


class PreFilingEvent(ChainedRow):
    """Append-only history of a filing: who, when, from, to, why."""

    prefiling = models.ForeignKey(PreFiling, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=40, choices=PreFilingEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Set before the insert (not auto_now_add): it is part of the hash.
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # Set when its notifications were made: a redelivered task makes none.
    # The one column the append-only trigger lets change (core.history).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pre-filing event")
        verbose_name_plural = _("pre-filing events")
        ordering = ["id"]

    def __str__(self):
        return f"{self.prefiling_id} {self.kind}"


def attachment_path(instance, filename):
    # Never a user-supplied name on disk.
    return f"prefilings/{instance.prefiling_id}/{uuid.uuid4().hex}.bin"


class PreFilingAttachment(BaseModel):
    class Kind(models.TextChoices):
        COLLECTIVE = Procedure.COLLECTIVE.value, _("Minutes of the collective decision")
        EXPERT = Procedure.EXPERT.value, _("Expert opinion")
        HEARING = Procedure.HEARING.value, _("Hearing record or public notice")
        LEGAL = Procedure.LEGAL.value, _("Legal review opinion")
        PLAN = "plan", _("Measure plan")
        SUPPLEMENT = "supplement", _("Supplementary material")
        REPORT = "report", _("Progress report material")
        OTHER = "other", _("Other")

    prefiling = models.ForeignKey(PreFiling, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    # Files of a submitted filing are never altered or removed.
    locked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("pre-filing file")
        verbose_name_plural = _("pre-filing files")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class ProgressReport(BaseModel):
    """事中控制: the unit's report on the measure, risk by risk."""

    prefiling = models.ForeignKey(PreFiling, on_delete=models.CASCADE, related_name="reports")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("reported by"))
    # The due date this report answers (None: a report before any was due).
    answers_due = models.DateField(_("report due"), null=True, blank=True)
    summary = models.TextField(_("progress"))
    # [{"risk": index, "realised": bool, "note": "…"}] for every declared risk.
    risks = models.JSONField(_("risk status"), default=list)
    any_realised = models.BooleanField(_("a risk was realised"), default=False)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["created_at", "id"]


class EarlyWarning(BaseModel):
    """苗头性问题: raised by a missed progress report or a realised risk;
    resolved by an inspector's reminder talk or guidance (抓早抓小)."""

    class Source(models.TextChoices):
        MISSED_REPORT = "missed_report", _("Progress report missed")
        RISK_REALISED = "risk_realised", _("Risk realised")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Resolution(models.TextChoices):
        REMINDER_TALK = "reminder_talk", _("Reminder talk (谈话提醒)")
        GUIDANCE = "guidance", _("Guidance (指导纠偏)")

    prefiling = models.ForeignKey(PreFiling, on_delete=models.CASCADE, related_name="warnings")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    report = models.ForeignKey(ProgressReport, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="warnings")
    # For a missed report: the due date that was missed.
    due_date = models.DateField(_("missed due date"), null=True, blank=True)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(_("what was said or done"), blank=True)
    resolved_on = models.DateField(_("talk or guidance date"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("resolved by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["created_at", "id"]
        constraints = [
            # One warning per missed due date, whatever the sweeps.
            models.UniqueConstraint(fields=["prefiling", "due_date"], name="uniq_warning_missed_report",
                                    condition=models.Q(source="missed_report")),
        ]
        indexes = [models.Index(fields=["status", "prefiling"], name="warning_open_idx")]


class Evaluation(BaseModel):
    """事后评估: filed at the end of the period; closes the filing."""

    prefiling = models.OneToOneField(PreFiling, on_delete=models.CASCADE, related_name="evaluation")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField(pgettext_lazy("prefiling", "outcome"))
    lessons = models.TextField(_("lessons"))
    rules_improved = models.TextField(_("rules improved"), blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")


class Citation(BaseModel):
    """A case cites a registered filing: what was declared in advance is set
    beside what happened."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="prefiling_citations")
    prefiling = models.ForeignKey(PreFiling, on_delete=models.PROTECT, related_name="citations")
    cited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "prefiling"], name="uniq_citation")]


def letter_path(instance, filename):
    """Upload path of the former PreFilingLetter model; migration 0001 names it."""
    return f"prefilings/{instance.prefiling_id}/letters/{filename}"
