from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BaseModel, ChainedRow


class Certainty(models.TextChoices):
    """How sure the catalogue is of an item's wording (shown beside it)."""

    # A context keeps Django's own "Summary" (admin: 概览) from winning.
    VERBATIM = "verbatim", pgettext_lazy("certainty", "Verbatim")
    SUMMARY = "summary", pgettext_lazy("certainty", "Summary")
    # A value no source gives (most time limits), chosen as a reasonable
    # default: shown as 示例默认（待核定） wherever it appears, and never
    # printed in a letter as the rule (issue 16).
    EXAMPLE_DEFAULT = "example_default", pgettext_lazy("certainty", "Example default (to be confirmed)")
    # A list item drafted after comparable rules because the jurisdiction's
    # own text was not available (the source gives only how many items the
    # list has). Shown as 参照同类规定拟定（待核定） wherever it appears until
    # an admin confirms it against his own 办法 (issue 16).
    RECONSTRUCTED = "reconstructed", pgettext_lazy("certainty", "Drafted after comparable rules (to be confirmed)")


# Certainties that nobody has checked against the jurisdiction's own text:
# publishing a version holding any needs an explicit confirmation (issue 16).
UNCONFIRMED_CERTAINTIES = (Certainty.RECONSTRUCTED, Certainty.EXAMPLE_DEFAULT)
# What a letter may state as the rule: a value taken from, or checked
# against, the jurisdiction's own text.
CONFIRMED_CERTAINTIES = (Certainty.VERBATIM, Certainty.SUMMARY)


class Jurisdiction(BaseModel):
    """A jurisdiction that issues 容错 rules, e.g. 怀来县, 昆明市."""

    org_unit = models.OneToOneField(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
        related_name="policy_jurisdiction", verbose_name=_("org unit"),
    )
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=20, blank=True)
    # Case numbers: 怀容〔2026〕第0001号; letters: 怀纪容〔2026〕3号.
    case_prefix = models.CharField(_("case number prefix"), max_length=10, blank=True)
    letter_prefix = models.CharField(_("letter number prefix"), max_length=10, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class PolicyDocument(BaseModel):
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="documents",
        verbose_name=_("jurisdiction"),
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    number = models.CharField(_("document number"), max_length=100, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["jurisdiction__code", "code"]

    def __str__(self):
        return self.title


class PolicyVersion(BaseModel):
    """A version of a policy. Published versions are immutable: a case keeps
    the version in force when it was filed, so editing makes a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class StartRule(models.TextChoices):
        # Default: counting starts the day after the triggering event, as for
        # 期间 in Chinese procedural law (the start day is not counted).
        NEXT_DAY = "next_day", _("Counting starts the next day")
        SAME_DAY = "same_day", _("The start day counts")

    document = models.ForeignKey(
        PolicyDocument, on_delete=models.PROTECT, related_name="versions",
        verbose_name=_("policy document"),
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    start_rule = models.CharField(
        _("start-day rule"), max_length=20, choices=StartRule.choices, default=StartRule.NEXT_DAY
    )
    # Deliberation: share of members that must be present (DESIGN §2).
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum denominator"), default=3)
    notes = models.TextField(_("notes"), blank=True)
    # The procedure variants of this 办法 (unit review, correction procedure,
    # preliminary notice, hearing, joint ruling, majority, review body, 申诉
    # path, consequences letters may state): see ``policies.procedure``.
    # Empty = nothing configured, and nothing is printed or enforced from it.
    procedure = models.JSONField(_("procedure"), default=dict, blank=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="uniq_policy_version")
        ]
        indexes = [models.Index(fields=["status", "effective_from"])]

    def __str__(self):
        return f"{self.document.title} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class PolicyItemManager(models.Manager):
    """The items a version holds as its own. An item an earlier load copied
    from another jurisdiction's list (``copied_from``, issue 16) stays in
    the table for the history that cites it (a ruling's result use reaches
    it through its foreign key, which reads the base manager), but no list,
    form, letter or comparison sees it."""

    def get_queryset(self):
        # An adopted copy (an admin confirmed it against his own text) is
        # the version's own again; its ``copied_from`` stays as provenance.
        return super().get_queryset().filter(models.Q(copied_from="") | models.Q(adopted_at__isnull=False))


def taken_from_label(origin: dict) -> str:
    """How a copy's origin reads in the interface (``taken_from``)."""
    if not origin:
        return ""
    return str(_("Taken from 《%(document)s》 (%(jurisdiction)s, version %(number)s) %(article)s") % {
        "document": origin.get("document", ""), "jurisdiction": origin.get("jurisdiction_name", ""),
        "number": origin.get("version_number", ""), "article": origin.get("article", "")}).strip()


class PolicyItem(BaseModel):
    """One entry of a version's lists, with its source and certainty."""

    class Kind(models.TextChoices):
        CONDITION = "condition", _("Condition (all must hold)")
        POSITIVE = "positive", _("Positive-list scenario")
        NEGATIVE = "negative", _("Negative-list item")
        RESULT_USE = "result_use", _("Result use")
        CORRECTION_STEP = "correction_step", _("Correction step")
        DISCLOSURE_SCOPE = "disclosure_scope", _("Disclosure scope")
        DISTINCTION = "distinction", _("Three distinctions")
        FACTOR = "factor", _("Judging factor")
        # 防错 (Kunming's 防错办法: "防错的6方面重点范围"): the areas a
        # pre-filing chooses from (issue 18).
        PREVENTION_AREA = "prevention_area", _("Error-prevention area (防错重点范围)")

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    source = models.TextField(_("source"), blank=True)
    # Where the item stands in the jurisdiction's own 办法 (第五条（一）):
    # set by the document import and by an admin confirming the item.
    article = models.CharField(_("article"), max_length=60, blank=True)
    certainty = models.CharField(_("certainty"), max_length=20, choices=Certainty.choices)
    # Who checked the item against the jurisdiction's own text, and when.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("confirmed by"),
    )
    # Result uses: how long the use applies by default (months); 0 = none.
    default_duration_months = models.PositiveSmallIntegerField(
        _("default duration (months)"), null=True, blank=True
    )
    # An exempt ruling's impact period, only where the version sets one: by
    # default a cadre exempted has none (大理州 [V]: "对被容错免责的部门和干部，
    # 其年度考核、评先评优、职级职称晋升、提拔任用、廉政审查等均不受影响").
    # ``default_duration_months`` is the mitigated ruling's (内蒙古盐业:
    # "对给予容错酌情从轻减轻处理的干部，有影响期的，期满后…及时合理安排使用").
    exempt_duration_months = models.PositiveSmallIntegerField(
        _("impact period of an exempt ruling (months)"), null=True, blank=True
    )
    # The duration may be less certain than the wording: Kunming names its six
    # uses, but no source gives how long each applies.
    duration_certainty = models.CharField(
        _("duration certainty"), max_length=20, choices=Certainty.choices, blank=True
    )
    # A negative-list item that cannot apply while this condition of the
    # same version is found met (谋取私利 beside 未谋取私利): the assessment
    # refuses the pair. Declared in the catalogue (``contradicts``).
    contradicts = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="contradicted_by",
        verbose_name=_("conditions it contradicts"),
    )
    # Set by the loader's repair (issue 16) on an item an earlier load copied
    # into this published version from another jurisdiction's list: whose
    # text it is. Such an item applies to nothing (``PolicyItemManager``).
    copied_from = models.CharField(_("copied from"), max_length=200, blank=True, editable=False)
    # An admin who found such a copy in his own 办法 adopts it
    # (``policy_item_copy_adopt``): when and who, recorded in the audit log.
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True, editable=False)
    adopted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("adopted by"),
    )

    # An item copied into this version from another jurisdiction's
    # published version, which the admin chose as a template
    # (``policy_version_adopt_template``, issue 16): where it came from
    # (jurisdiction, document, version, item, article, source and the
    # certainty it had there). Unlike ``copied_from`` it is the version's
    # own item, but drafted after another text: it is marked
    # 参照同类规定拟定（待核定） until an admin confirms it against his own.
    taken_from = models.JSONField(_("taken from"), default=dict, blank=True, editable=False)

    objects = PolicyItemManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("policy item")
        verbose_name_plural = _("policy items")
        ordering = ["version", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind", "number"], name="uniq_policy_item")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}: {self.title or self.text[:30]}"

    @property
    def is_reconstructed(self) -> bool:
        return self.certainty == Certainty.RECONSTRUCTED

    @property
    def is_unconfirmed(self) -> bool:
        """The one rule of the mark (issue 16): an item nobody has checked
        against the jurisdiction's own text — drafted after comparable rules
        or an example default — is marked with its certainty everywhere it
        shows (forms, assessment, case page, portal, letters) until an admin
        confirms it."""
        return self.certainty in UNCONFIRMED_CERTAINTIES

    @property
    def duration_confirmed(self) -> bool:
        """Whether the default duration may be applied and printed without
        the committee typing it: not where the version marks it as an example
        default or a drafted value (Kunming's six uses: no source gives how
        long each applies; issue 16)."""
        return self.duration_certainty not in UNCONFIRMED_CERTAINTIES

    @property
    def mark(self) -> str:
        """参照同类规定拟定（待核定） or 示例默认（待核定） for an item nobody has
        confirmed against the jurisdiction's text, else "" (shown after the
        item everywhere)."""
        return str(self.get_certainty_display()) if self.is_unconfirmed else ""

    @property
    def taken_from_label(self) -> str:
        """取自《…》（昆明市第2版）第五条 for an item copied from a template, else ""."""
        return taken_from_label(self.taken_from)

    def label(self) -> str:
        """``3. 标题`` with the mark, for form choices and lists."""
        text = f"{self.number}. {self.title or self.text}"
        return f"{text}（{self.mark}）" if self.is_unconfirmed else text


class ImportedClause(BaseModel):
    """One article or numbered item of a 办法 imported into a draft version,
    verbatim with its article number, and how the admin classified it
    (issue 16). Classifying creates the item, time limit or procedure entry
    of the draft; the clause keeps the link."""

    class Kind(models.TextChoices):
        UNCLASSIFIED = "", _("Not classified yet")
        CONDITION = "condition", _("Condition (all must hold)")
        POSITIVE = "positive", _("Positive-list scenario")
        NEGATIVE = "negative", _("Negative-list item")
        RESULT_USE = "result_use", _("Result use")
        CORRECTION_STEP = "correction_step", _("Correction step")
        DISCLOSURE_SCOPE = "disclosure_scope", _("Disclosure scope")
        PREVENTION_AREA = "prevention_area", _("Error-prevention area (防错重点范围)")
        TIME_LIMIT = "time_limit", _("Time limit")
        PROCEDURE = "procedure", _("Procedure rule")
        IGNORED = "ignored", _("Not a rule the system applies")

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="imported_clauses", verbose_name=_("version")
    )
    seq = models.PositiveIntegerField(_("order"))
    article = models.CharField(_("article"), max_length=60)
    text = models.TextField(_("text"))
    kind = models.CharField(_("classified as"), max_length=30, choices=Kind.choices, blank=True)
    # For a time limit: the stage, and the period (suggested from the text).
    stage = models.CharField(_("stage"), max_length=30, blank=True)
    amount = models.PositiveSmallIntegerField(_("amount"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # For a procedure rule: which setting it states (policies.procedure).
    procedure_key = models.CharField(_("procedure setting"), max_length=60, blank=True)
    item = models.ForeignKey(
        PolicyItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("item")
    )

    class Meta:
        verbose_name = _("imported clause")
        verbose_name_plural = _("imported clauses")
        ordering = ["version", "seq"]
        constraints = [models.UniqueConstraint(fields=["version", "seq"], name="uniq_imported_clause")]

    def __str__(self):
        return f"{self.article} {self.text[:30]}"


class TimeLimitStage(models.TextChoices):
    """Stages that can carry a time limit. Names are relied on by cases,
    deadlines and letters."""

    UNIT_REVIEW = "unit_review", _("Unit review")
    INTAKE = "intake", _("Intake decision")
    SUPPLEMENT = "supplement", _("Supplement answer")
    VERIFICATION = "verification", _("Verification")
    DEFENCE = "defence", _("Defence")
    DELIBERATION = "deliberation", _("Deliberation and ruling")
    FEEDBACK = "feedback", _("Feedback to applicant and unit")
    FILING = "filing", _("Filing with the higher level")
    REVIEW_REQUEST = "review_request", _("Request for review")
    REVIEW_DECISION = "review_decision", _("Review decision")
    CORRECTION = "correction", _("Correction")
    RECTIFICATION = "rectification", _("Rectification task")
    CLARIFICATION = "clarification", _("Clarification")
    PREFILING_REVIEW = "prefiling_review", _("Pre-filing review")
    PROGRESS_REPORT = "progress_report", _("Progress report")
    # A pre-filing's evaluation, due at the end of its period (the step sets it).
    PREFILING_EVALUATION = "prefiling_evaluation", _("Pre-filing evaluation")
    # After the ruling, the organization department's (careers): recording
    # how the result uses were applied, a further application it scheduled,
    # the impact period of a use (its length comes from the ruling, not
    # from a time limit), the 谈心谈话 and the 跟踪回访.
    RESULT_USE_RECORD = "result_use_record", _("Result uses: record their application")
    USE_APPLICATION = "use_application", _("Result use: next application")
    USE_PERIOD = "use_period", _("Result use: impact period")
    FOLLOWUP_TALK = "followup_talk", _("Follow-up talk (谈心谈话)")
    FOLLOWUP_VISIT = "followup_visit", _("Follow-up visit (跟踪回访)")


# Clock stages whose length the step sets (a ruling's impact period, a date
# the organization department chose), never a version's time limit.
STEP_SET_STAGES = frozenset({TimeLimitStage.USE_APPLICATION, TimeLimitStage.USE_PERIOD,
                             TimeLimitStage.PREFILING_EVALUATION})


class TimeUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("working days")
    CALENDAR_DAY = "calendar_day", _("calendar days")
    MONTH = "month", _("months")


class StageTimeLimit(BaseModel):
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="time_limits", verbose_name=_("version")
    )
    stage = models.CharField(_("stage"), max_length=30, choices=TimeLimitStage.choices)
    amount = models.PositiveSmallIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    extension_allowed = models.BooleanField(_("extension allowed"), default=False)
    extension_max = models.PositiveSmallIntegerField(_("maximum extension"), default=0)
    source = models.TextField(_("source"), blank=True)
    certainty = models.CharField(_("certainty"), max_length=20, choices=Certainty.choices)
    # As ``PolicyItem.taken_from``: the template version the limit was
    # copied from, as an example default (issue 16).
    taken_from = models.JSONField(_("taken from"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("stage time limit")
        verbose_name_plural = _("stage time limits")
        ordering = ["version", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["version", "stage"], name="uniq_stage_time_limit")
        ]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.amount} {self.get_unit_display()}"

    @property
    def is_confirmed(self) -> bool:
        """Whether the limit comes from (or was checked against) the
        jurisdiction's own text; only such a limit is printed in a letter."""
        return self.certainty in CONFIRMED_CERTAINTIES


class CalendarDay(BaseModel):
    """An admin's entry in the working-day calendar. Overrides the library
    (chinese-calendar) for that date: a year the library does not know yet,
    or a local change."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKDAY = "workday", _("Working day (调休)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(BaseModel):
    """A year an admin has entered completely: the calendar is then known for
    it even where the library has no data."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(_("complete"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class PolicyAuditEntry(ChainedRow):
    """Who changed what in the policy catalogue, and when (append-only)."""

    class Action(models.TextChoices):
        VERSION_CREATED = "version_created", _("Version created")
        VERSION_UPDATED = "version_updated", _("Version updated")
        VERSION_PUBLISHED = "version_published", _("Version published")
        VERSION_CLOSED = "version_closed", _("Version closed (effective to set)")
        DRAFT_COPIED = "draft_copied", _("Draft copied from a version")
        DRAFT_IMPORTED = "draft_imported", _("Draft imported from a document")
        ITEM_CONFIRMED = "item_confirmed", _("Item confirmed against the text")
        ITEM_CREATED = "item_created", _("Item created")
        ITEM_UPDATED = "item_updated", _("Item updated")
        ITEM_DELETED = "item_deleted", _("Item deleted")
        TIME_LIMIT_SET = "time_limit_set", _("Time limit set")
        CALENDAR_CHANGED = "calendar_changed", _("Calendar changed")
        VERSION_REPAIRED = "version_repaired", _("Published version repaired (copied items marked, procedure filled)")
        COPY_ADOPTED = "copy_adopted", _("Copied item adopted (confirmed against the jurisdiction's own text)")
        COPY_DELETED = "copy_deleted", _("Copied item deleted")
        DRAFT_ADOPTED = "draft_adopted", _("Draft adopted from another jurisdiction's version (template)")

    # Set before the insert (not auto_now_add): it is part of the hash.
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # PROTECT, not SET_NULL/CASCADE: the rows are append-only (core.history).
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("actor"),
    )
    version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT,
        related_name="audit_entries", verbose_name=_("version"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("policy audit entry")
        verbose_name_plural = _("policy audit entries")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"
