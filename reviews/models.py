from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, RecordedRow


class Recusal(BaseModel):
    """A person marked as related to a case (回避): he may neither see nor
    handle it as an inspector."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recusals")
    reason = models.CharField(_("reason"), max_length=200)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="uniq_recusal")]


class Result(models.TextChoices):
    EXEMPT = "exempt", _("Exempt (予以容错、免予问责)")
    MITIGATED = "mitigated", _("Mitigated (从轻或减轻处理)")
    REJECTED = "rejected", _("Rejected (不予容错)")


class Mitigation(models.TextChoices):
    """从轻 and 减轻 are two results, not one (纪律处分条例: 减轻 is one grade
    below the prescribed range, 从轻 within it): a mitigated ruling says which."""

    NONE = "", _("Not said")
    LIGHTER = "lighter", _("Lighter (从轻)")
    REDUCED = "reduced", _("Reduced (减轻)")


class Assignment(BaseModel):
    """An inspector assigned to verify a case; reassignment deactivates."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assignments")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    ended_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "inspector"], condition=models.Q(active=True), name="uniq_active_assignment"
            )
        ]


class Ruling(RecordedRow):
    """认定结论. A case has its first ruling and at most one review ruling
    (复核); ``is_current`` marks the one in force. Both stay in the record."""

    class Kind(models.TextChoices):
        FIRST = "first", _("Ruling")
        REVIEW = "review", _("Review decision")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="rulings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIRST)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    mitigation = models.CharField(_("lighter or reduced"), max_length=10, choices=Mitigation.choices, blank=True)
    reasons = models.TextField(_("reasons"))
    # The policy items relied on (positive-list scenarios, conditions) and
    # any negative-list item found to apply.
    applied_items = models.ManyToManyField(
        "policies.PolicyItem", blank=True, related_name="rulings", verbose_name=_("policy items relied on")
    )
    needs_correction = models.BooleanField(_("correction needed"), default=False)
    needs_clarification = models.BooleanField(_("clarification needed"), default=False)
    decided_on = models.DateField(_("decided on"))
    is_current = models.BooleanField(_("in force"), default=True)
    meeting = models.ForeignKey(
        "reviews.Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Review rulings: whether the first ruling was upheld or changed.
    review_decision = models.CharField(
        _("review decision"), max_length=10, blank=True,
        choices=[("upheld", _("Upheld")), ("changed", _("Changed"))],
    )

    class Meta:
        verbose_name = _("ruling")
        verbose_name_plural = _("rulings")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(is_current=True), name="uniq_current_ruling"),
            models.UniqueConstraint(fields=["case", "kind"], name="uniq_ruling_kind"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.get_result_display()}"


class RulingUse(BaseModel):
    """结果运用: how the ruling is used (discipline, promotion, appraisal...)
    and for how long."""

    ruling = models.ForeignKey(Ruling, on_delete=models.CASCADE, related_name="uses")
    policy_item = models.ForeignKey("policies.PolicyItem", on_delete=models.PROTECT, related_name="+")
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("result use")
        verbose_name_plural = _("result uses")


class EventKind(models.TextChoices):
    """History events written by this app (CaseEvent.kind)."""

    PROACTIVE_OPENED = "proactive_opened", _("Proactive case opened (主动容错)")
    ASSIGNED = "assigned", _("Inspectors assigned")
    RECUSAL_MARKED = "recusal_marked", _("Marked as related (回避)")
    INTERVIEW_RECORDED = "interview_recorded", _("Interview recorded")
    EVIDENCE_RECORDED = "evidence_recorded", _("Evidence or note recorded")
    ASSESSED = "assessed", _("Assessment recorded")
    PRELIMINARY_REPORT = "preliminary_report", _("Preliminary report; applicant notified")
    DEFENCE_SUBMITTED = "defence_submitted", _("Defence submitted (申辩)")
    DEFENCE_WAIVED = "defence_waived", _("Defence waived")
    TESTIMONY_ADDED = "testimony_added", _("Testimony added")
    ASSESSMENT_REPORT = "assessment_report", _("Third-party assessment recorded (第三方评估)")
    HEARING = "hearing", _("Public hearing recorded (听证会)")
    MEETING_RECORDED = "meeting_recorded", _("Deliberation meeting recorded")
    MEETING_VOIDED = "meeting_voided", _("Deliberation meeting voided")
    VOTE_CAST = "vote_cast", _("Vote recorded")
    VOTE_CONFIRMED = "vote_confirmed", _("Vote confirmed by the member")
    RULED = "ruled", _("Ruling (认定)")
    # Issue 16, a joint version: the decision waits for the 组织部门 (会签).
    COUNTERSIGN_REQUESTED = "countersign_requested", _("Awaiting the organization department's countersign (待会签)")
    COUNTERSIGNED = "ruling_countersigned", _("Ruling countersigned by the organization department (会签)")
    FEEDBACK = "feedback", _("Applicant and unit informed (反馈)")
    FILED = "filed", _("Filed with the higher level (报备)")
    RECORDED = "recorded_same_level", _("Recorded at the same level (备案)")
    REVIEW_REQUESTED = "review_requested", _("Review requested (复核)")
    REVIEW_DECIDED = "review_decided", _("Review decided")
    REVIEW_COUNTERSIGNED = "review_countersigned", _(
        "Review decision countersigned by the organization department (会签)")


class VerificationRecord(RecordedRow):
    """What the inspectors gathered: interviews (谈话), evidence and notes."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("Interview")
        EVIDENCE = "evidence", _("Evidence")
        NOTE = "note", _("Note")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="verification_records")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    person = models.CharField(_("person interviewed"), max_length=200, blank=True)
    held_on = models.DateField(_("date"), null=True, blank=True)
    text = models.TextField(_("summary"))
    attachment = models.ForeignKey(
        "cases.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("record"),
    )

    class Meta:
        verbose_name = _("verification record")
        verbose_name_plural = _("verification records")
        ordering = ["created_at", "id"]


class Assessment(BaseModel):
    """The assessment against the case's policy version. ``conditions`` maps
    a condition item id to {"met": bool, "reason": str}; ``distinctions`` and
    ``factors`` map a key (item id, or a built-in key) to the judgement."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="assessment")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conditions = models.JSONField(_("conditions"), default=dict)
    positive_item = models.ForeignKey(
        "policies.PolicyItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("positive-list scenario that applies"),
    )
    negative_items = models.ManyToManyField(
        "policies.PolicyItem", blank=True, related_name="+", verbose_name=_("negative-list items that apply")
    )
    negative_note = models.TextField(_("negative list: reasons"), blank=True)
    distinctions = models.JSONField(_("three distinctions"), default=dict)
    factors = models.JSONField(_("six factors"), default=dict)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")


class PreliminaryReport(BaseModel):
    """初步调查报告, with the recommended result."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="preliminary_report")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended_result = models.CharField(_("recommended result"), max_length=20, choices=Result.choices)
    summary = models.TextField(_("findings"))

    class Meta:
        verbose_name = _("preliminary report")
        verbose_name_plural = _("preliminary reports")


class DefenceEntry(BaseModel):
    """申辩: the applicant's defence or waiver, and testimony of others."""

    class Kind(models.TextChoices):
        DEFENCE = "defence", _("Defence")
        WAIVER = "waiver", _("Waiver")
        TESTIMONY = "testimony", _("Testimony")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="defence_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("witness"), max_length=200, blank=True)
    text = models.TextField(_("statement"), blank=True)
    attachment = models.ForeignKey(
        "cases.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("evidence"),
    )

    class Meta:
        verbose_name = _("defence entry")
        verbose_name_plural = _("defence entries")
        ordering = ["created_at", "id"]


class OptionalStep(RecordedRow):
    """第三方评估 (major matters) or 听证会 (major public interest)."""

    class Kind(models.TextChoices):
        THIRD_PARTY = "third_party", _("Third-party assessment (第三方评估)")
        HEARING = "hearing", _("Public hearing (听证会)")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="optional_steps")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    body = models.CharField(_("assessor or participants"), max_length=300)
    conclusion = models.TextField(_("conclusion"))
    attachment = models.ForeignKey(
        "cases.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("document"),
    )

    class Meta:
        verbose_name = _("optional step")
        verbose_name_plural = _("optional steps")
        ordering = ["created_at", "id"]


class Meeting(RecordedRow):
    """集体研究: a deliberation meeting (first ruling or review). A later
    meeting of the same kind supersedes an earlier one that ruled nothing."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=10, choices=Ruling.Kind.choices, default=Ruling.Kind.FIRST)
    held_on = models.DateField(_("meeting date"))
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("members present")
    )
    members_total = models.PositiveSmallIntegerField(_("members entitled to sit"))
    quorum_required = models.PositiveSmallIntegerField(_("quorum"))
    # A wrongly recorded meeting is voided with a reason, never deleted: it
    # stays in the record and its votes no longer count.
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["created_at", "id"]


class Vote(RecordedRow):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("vote"), max_length=20, choices=Result.choices)
    opinion = models.TextField(_("opinion"), blank=True)
    # A vote the minute-taker recorded for a member counts only once the
    # member has confirmed it himself; his own vote is confirmed as cast.
    confirmed_at = models.DateTimeField(_("confirmed by the member at"), null=True, blank=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="uniq_vote_per_member")]

    @property
    def by_proxy(self) -> bool:
        return self.recorded_by_id != self.member_id


class Notice(RecordedRow):
    """反馈 to the applicant and unit, or 报备 to the higher level, for a
    ruling."""

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Feedback (反馈)")
        FILING = "filing", _("Filing (报备)")
        # 备案 at the same level (同级党委或政府) is a record of its own, apart
        # from 报备 to the higher level (issue 16), each with its document.
        RECORD = "record", _("Record at the same level (备案)")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="ruling_notices")
    ruling = models.ForeignKey(Ruling, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    done_on = models.DateField(_("date"))
    recipients = models.CharField(_("to whom"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    # The document sent (报备 or 备案 letter, receipt), with the case's files.
    document = models.ForeignKey("cases.Attachment", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("document"))

    class Meta:
        verbose_name = _("feedback or filing")
        verbose_name_plural = _("feedback and filings")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ruling", "kind"], name="uniq_notice_per_ruling")]


class ReviewRequest(BaseModel):
    """复核: asked once per case, with reasons."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="review_request")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("reasons"))
    requested_on = models.DateField(_("requested on"))

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
