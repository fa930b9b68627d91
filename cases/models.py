import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.events import event_label
from core.models import BaseModel, ChainedRow
from core.validators import date_not_in_future


class Stage(models.TextChoices):
    """Where the case is in the workflow (DESIGN §2). Kept apart from the
    outcome: a closed case may have been exempted, refused or withdrawn."""

    DRAFT = "draft", _("Draft")
    UNIT_REVIEW = "unit_review", _("Unit review")
    SUBMITTED = "submitted", _("Awaiting intake")
    SUPPLEMENT = "supplement", _("Awaiting supplement")
    VERIFICATION = "verification", _("Verification")
    DEFENCE = "defence", _("Defence")
    DELIBERATION = "deliberation", _("Deliberation")
    RULED = "ruled", _("Ruled")
    REVIEW = "review", _("Under review")
    CORRECTION = "correction", _("Correction")
    CLARIFICATION = "clarification", _("Clarification")
    # A stand-alone clarification case (澄清正名事项, clarifications app):
    # the points of a report are checked, then the cadre's name is cleared.
    REPORT_CHECK = "report_check", _("Checking the report (核查)")
    REPORT_CLARIFICATION = "report_clarification", _("Clearing the name (澄清正名)")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    NONE = "", _("Pending")
    EXEMPT = "exempt", _("Exempt (予以容错、免予问责)")
    MITIGATED = "mitigated", _("Mitigated (从轻或减轻处理)")
    REJECTED = "rejected", _("Rejected (不予容错)")
    NOT_ACCEPTED = "not_accepted", _("Not accepted (不予受理)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Origin(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual application")
    UNIT = "unit", _("Unit application")
    PROACTIVE = "proactive", _("Proactive (主动容错)")
    # Opened by an inspector from a 信访举报, with no 容错 application
    # (clarifications app): a clarification case (澄清正名事项).
    REPORT = "report", _("Report checked for clarification (澄清正名事项)")


class Case(BaseModel):
    # Allocated at submission, per jurisdiction and year, without gaps.
    number = models.CharField(_("case number"), max_length=50, blank=True, db_index=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.DRAFT, db_index=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.NONE, blank=True
    )
    # Set by the inspectors with the preliminary report: the matter involves
    # a major public interest. Where the 办法 says so (procedure.hearing), a
    # public hearing (听证会) must then be recorded before deliberation.
    major_public_interest = models.BooleanField(_("involves a major public interest"), default=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_as_applicant",
        verbose_name=_("applicant"), db_index=False,  # case_applicant_list_idx leads with it
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_created",
        verbose_name=_("filed by"), db_index=False,  # case_creator_list_idx leads with it
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="cases", verbose_name=_("unit")
    )
    # The jurisdiction (org unit of kind jurisdiction) that handles the case.
    jurisdiction = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="jurisdiction_cases",
        verbose_name=_("jurisdiction"),
    )
    policy_version = models.ForeignKey(
        "policies.PolicyVersion", on_delete=models.PROTECT, related_name="cases",
        verbose_name=_("policy version"),
    )

    title = models.CharField(_("title"), max_length=200)
    # The accountability matter (问责事项).
    matter = models.TextField(_("what happened"), blank=True)
    matter_date = models.DateField(_("when it happened"), null=True, blank=True, validators=[date_not_in_future])
    impact = models.TextField(_("loss or impact"), blank=True)
    trigger = models.TextField(_("report or investigation that started it"), blank=True)
    accountability_considered = models.TextField(_("accountability being considered"), blank=True)
    facts_reasons = models.TextField(_("facts and reasons"), blank=True)
    remedial_steps = models.TextField(_("remedial steps taken (挽回损失)"), blank=True)
    collective_decision = models.BooleanField(
        _("the decision went through a collective procedure"), default=False
    )
    collective_decision_note = models.TextField(_("collective procedure details"), blank=True)
    claimed_scenarios = models.ManyToManyField(
        "policies.PolicyItem", blank=True, related_name="claimed_in_cases",
        verbose_name=_("claimed positive-list scenarios"),
    )
    # Unit applications: the unit's self-check against the lists
    # ({"conditions": {item_id: bool}, "negative": {item_id: bool}, "note": "…"}).
    self_check = models.JSONField(_("self-check"), default=dict, blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    # The nearest running clock's due date, its stage and calendar flag, and
    # whether a clock is paused: stored copies kept by the clock services
    # (deadlines.services.case_deadline_sync) so that lists sort and filter
    # on an index instead of correlated subqueries on the clocks.
    next_due = models.DateField(_("next due date"), null=True, blank=True, editable=False)
    next_due_stage = models.CharField(max_length=30, blank=True, default="", editable=False)
    clock_flagged = models.BooleanField(default=False, editable=False)
    is_paused = models.BooleanField(default=False, editable=False)
    # The case's active inspectors, a stored count kept by reviews.services
    # (case_assign, recusal_mark): the supervisor's queue reads the cases
    # waiting for him (fewer than two) and the others each off an index of
    # its own, where a count of assignments per row had to be taken of
    # every case at verification to find the first page.
    active_inspectors = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "number_year", "number_seq"],
                name="uniq_case_number",
                condition=models.Q(number_seq__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "stage"]),
            # Lists read by keyset on (created_at, id) (core.pagination.CursorPagination).
            models.Index(fields=["created_at", "id"], name="case_list_idx"),
            # "My cases": his own and those filed for him, each branch of
            # the keyset union (core.pagination.keyset_union) in list order.
            models.Index(fields=["applicant", "created_at", "id"], name="case_applicant_list_idx"),
            models.Index(fields=["created_by", "created_at", "id"], name="case_creator_list_idx"),
            # Queues: one stage, the earliest due first.
            models.Index(fields=["stage", "next_due", "id"], name="case_queue_idx"),
            # The intake queue spans two stages (submitted, supplement).
            models.Index(fields=["next_due", "id"], name="case_intake_queue_idx",
                         condition=models.Q(stage__in=["submitted", "supplement"])),
            # The committee's queue spans three stages (reviews.selectors):
            # read in due order off this index instead of sorting them all.
            models.Index(fields=["next_due", "id"], name="case_committee_queue_idx",
                         condition=models.Q(stage__in=["deliberation", "review", "ruled"])),
            # The supervisor's queue: those waiting for him (fewer than two
            # active inspectors), then the others (reviews.selectors).
            models.Index(fields=["next_due", "id"], name="case_to_assign_idx",
                         condition=models.Q(stage="verification", active_inspectors__lt=2)),
            models.Index(fields=["next_due", "id"], name="case_assigned_idx",
                         condition=models.Q(stage="verification", active_inspectors__gte=2)),
            # Overdue cases (dashboard, workbench): running clocks past due.
            models.Index(fields=["next_due"], name="case_due_idx", condition=models.Q(next_due__isnull=False)),
        ]

    def __str__(self):
        return self.number or f"#{self.pk} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.stage == Stage.CLOSED


class CaseNumberCounter(models.Model):
    """Last number handed out per jurisdiction and year; the row is locked
    while a number is allocated, so numbers are unique and gapless."""

    jurisdiction = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="uniq_case_counter")
        ]


class EventKind(models.TextChoices):
    CREATED = "created", _("Draft created")
    EDITED = "edited", _("Draft edited")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNIT_FORWARDED = "unit_forwarded", _("Forwarded by the unit")
    UNIT_RETURNED = "unit_returned", _("Returned by the unit")
    ACCEPTED = "accepted", _("Accepted")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    SUPPLEMENT_ANSWERED = "supplement_answered", _("Supplement answered")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    ATTACHMENT_ADDED = "attachment_added", _("File added")
    ATTACHMENT_REMOVED = "attachment_removed", _("File removed")
    OTHER = "other", _("Other")


def _stage_label(value: str):
    try:
        return Stage(value).label
    except ValueError:
        return value


class CaseEvent(ChainedRow):
    """Append-only history: who, when, from, to, why."""

    # PROTECT: history outlives nothing it belongs to (core.history).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("by"),
    )
    from_stage = models.CharField(_("from"), max_length=20, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Set before the insert (not auto_now_add): it is part of the hash.
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["id"]  # insertion order: the history as it was written

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def from_stage_label(self):
        return _stage_label(self.from_stage)

    @property
    def to_stage_label(self):
        return _stage_label(self.to_stage)

    @property
    def kind_label(self):
        return event_label(self.kind)


def attachment_path(instance, filename):
    # The stored name never comes from the user: no path tricks, no
    # executable extension on disk.
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}.bin"


class Attachment(BaseModel):
    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        MINUTES = "minutes", _("Minutes of the collective decision")
        SUPPLEMENT = "supplement", _("Supplementary material")
        UNIT_OPINION = "unit_opinion", _("Unit opinion")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EVIDENCE)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Files of a submitted case are never altered or removed.
    locked = models.BooleanField(default=False)
    # Inspectors' records (signed interview records, evidence they gathered):
    # for the handling staff only, never the applicant or his unit
    # (cases.selectors.case_sees_internal).
    internal = models.BooleanField(_("internal"), default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class UnitReview(BaseModel):
    """The unit's small-scope meeting on an individual application."""

    class Decision(models.TextChoices):
        FORWARD = "forward", _("Forwarded (盖章报送)")
        RETURN = "return", _("Returned")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="unit_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    meeting_date = models.DateField(_("meeting date"))
    participants = models.TextField(_("participants"))
    opinion = models.TextField(_("opinion"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)

    class Meta:
        ordering = ["created_at"]


class SupplementRequest(BaseModel):
    """补正: what is missing and by when; the stage clock pauses meanwhile."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplement_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    missing = models.TextField(_("what is missing"))
    due_date = models.DateField(_("answer by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    return_stage = models.CharField(max_length=20, default=Stage.SUBMITTED)

    class Meta:
        ordering = ["created_at"]
