"""After the ruling: what reaches the organization department (组织部门).

- ``ResultUse``: one use of a ruling (结果运用: Kunming's six, or the
  version's own list) as an obligation towards one cadre, with its impact
  period when there is one, and ``UseApplication`` rows recording how the
  organization department applied it when it came up ("2026年度考核：未受影响").
- ``FollowUp``: the 谈心谈话 after the ruling and the 跟踪回访 that follows it.
- ``AccountabilityDecision``: the 问责机关's own decision on the case (the
  ruling is a proposal "报相关机关作出免于问责、减轻处理或问责处理的决定", seeds).
- ``Revocation``: 撤销容错认定 of a ruling found to rest on false material.

The rows someone records carry ``recorded_by`` from ``core.models.RecordedRow``
(the follow-up's is nullable: it is open until recorded). reviews and
corrections still declare the same column on each model; they can take the
same base without a migration.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, RecordedRow


class ResultUse(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Within its period")
        ENDED = "ended", _("Period ended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="result_obligations",
                             verbose_name=_("case"))
    ruling = models.ForeignKey("reviews.Ruling", on_delete=models.PROTECT, related_name="obligations",
                               verbose_name=_("ruling"))
    ruling_use = models.OneToOneField("reviews.RulingUse", on_delete=models.PROTECT, related_name="obligation")
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="result_obligations",
                              verbose_name=_("cadre"))
    # The case's jurisdiction: the organization department over it sees it.
    jurisdiction = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("jurisdiction"))
    policy_item = models.ForeignKey("policies.PolicyItem", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("result use"))
    # Copied from the policy item when the use reached the department: the
    # wording it was told, whatever a later version says.
    title = models.CharField(_("use"), max_length=200)
    text = models.TextField(_("wording"))
    result = models.CharField(_("result"), max_length=20)
    # None: no impact period (an exempt ruling, unless the version sets one).
    impact_months = models.PositiveSmallIntegerField(_("impact period (months)"), null=True, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    period_clock = models.ForeignKey("deadlines.Clock", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        verbose_name = _("result use obligation")
        verbose_name_plural = _("result use obligations")
        ordering = ["ends_on", "id"]
        indexes = [models.Index(fields=["jurisdiction", "status"], name="result_use_dept_idx")]

    def __str__(self):
        return f"{self.case_id} {self.title}"

    # A workbench row (dashboard.workbench, kind "link"); the selector joins the
    # case and the cadre.
    @property
    def url(self) -> str:
        return reverse("careers:use", args=[self.pk])

    @property
    def label(self) -> str:
        return f"{self.case.number} · {self.title}"

    @property
    def hint(self) -> str:
        return self.cadre.display_name


class UseApplication(RecordedRow):
    """How a use was applied when it came up (考核, 任用, 评先评优…)."""

    obligation = models.ForeignKey(ResultUse, on_delete=models.PROTECT, related_name="applications")
    occasion = models.CharField(_("occasion"), max_length=200)
    outcome = models.CharField(_("how it was applied"), max_length=200)
    applied_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    # The next occasion the department expects (e.g. next year's appraisal):
    # a clock reminds it.
    next_due = models.DateField(_("next application due"), null=True, blank=True)

    class Meta:
        verbose_name = _("result use application")
        verbose_name_plural = _("result use applications")
        ordering = ["applied_on", "id"]


class FollowUp(BaseModel):
    class Kind(models.TextChoices):
        TALK = "talk", _("Follow-up talk (谈心谈话)")
        VISIT = "visit", _("Follow-up visit (跟踪回访)")

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Recorded")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="followups")
    ruling = models.ForeignKey("reviews.Ruling", on_delete=models.PROTECT, related_name="followups")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    clock = models.ForeignKey("deadlines.Clock", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    held_on = models.DateField(_("date"), null=True, blank=True)
    participants = models.CharField(_("participants"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    # The visit asks whether the result uses were respected.
    uses_respected = models.BooleanField(_("result uses respected"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ruling", "kind"], name="uniq_followup_per_ruling")]

    @property
    def event_kind(self) -> str:
        """The history event its record writes; whether its details are
        internal is that kind's registration (careers/events.py)."""
        return EventKind.TALK_RECORDED if self.kind == self.Kind.TALK else EventKind.VISIT_RECORDED


class Decision(models.TextChoices):
    # The three the seeds name ("免于问责、减轻处理或问责处理"), with 从轻 beside
    # 减轻 (纪律处分条例: 减轻 = one grade below the range).
    EXEMPT = "exempt", _("No accountability (免予问责)")
    LIGHTER = "lighter", _("Lighter handling (从轻)")
    REDUCED = "reduced", _("Reduced handling (减轻)")
    ACCOUNTABLE = "accountable", _("Accountability (问责)")


class AccountabilityForm(models.TextChoices):
    # 问责条例 (2019) Art.8's forms of accountability, for a decision to hold
    # accountable (also after 从轻 / 减轻).
    NONE = "", _("—")
    INSPECTION = "inspection", _("Written self-criticism (检查)")
    CIRCULAR = "circular", _("Circular (通报)")
    ADMONITION = "admonition", _("Admonition (诫勉)")
    ORGANISATIONAL = "organisational", _("Organisational adjustment or handling (组织调整或者组织处理)")
    DISCIPLINE = "discipline", _("Disciplinary sanction (纪律处分)")


class AccountabilityDecision(RecordedRow):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="accountability_decision")
    organ = models.CharField(_("accountability organ"), max_length=200)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    form = models.CharField(_("form of accountability"), max_length=20, choices=AccountabilityForm.choices,
                            blank=True)
    decided_on = models.DateField(_("decided on"))
    document_number = models.CharField(_("document number"), max_length=100)
    document = models.ForeignKey("cases.Attachment", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("decision document"))
    note = models.TextField(_("note"), blank=True)
    # The ruling in force when the decision was recorded, and whether the
    # decision follows it (the dashboard compares the two).
    ruling = models.ForeignKey("reviews.Ruling", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    follows_ruling = models.BooleanField(_("follows the ruling"), null=True)

    class Meta:
        verbose_name = _("accountability decision")
        verbose_name_plural = _("accountability decisions")


class Revocation(RecordedRow):
    """撤销容错认定: the committee's meeting that found the ruling rests on
    false material (弄虚作假)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="revocation")
    ruling = models.OneToOneField("reviews.Ruling", on_delete=models.PROTECT, related_name="revocation")
    held_on = models.DateField(_("meeting date"))
    participants = models.CharField(_("members present"), max_length=300)
    reason = models.TextField(_("false material found"))

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")


class EventKind(models.TextChoices):
    """Case-history events of this app (cases.models.CaseEvent.kind)."""

    USES_SENT = "result_uses_sent", _("Result uses sent to the organization department (结果运用通知)")
    USE_APPLIED = "result_use_applied", _("Result use applied")
    USE_ENDED = "result_use_ended", _("Impact period of a result use ended")
    USES_WITHDRAWN = "result_uses_withdrawn", _("Result uses withdrawn")
    TALK_RECORDED = "followup_talk_recorded", _("Follow-up talk recorded (谈心谈话)")
    VISIT_RECORDED = "followup_visit_recorded", _("Follow-up visit recorded (跟踪回访)")
    ACCOUNTABILITY_DECIDED = "accountability_decided", _("Accountability decision recorded (问责决定)")
    RULING_REVOKED = "ruling_revoked", _("Ruling revoked (撤销容错认定)")


class TypicalCase(RecordedRow):
    """典型案例: a published outcome an administrator marks as a typical case
    for the portal, with a write-up (典型事迹). ``write_up`` is the source
    (it may hold names); the public sees ``published_write_up`` only, the
    copy redacted with the publication's own hidden terms and passed by its
    leak check (publication.redaction)."""

    publication = models.OneToOneField("publication.Publication", on_delete=models.PROTECT,
                                       related_name="typical_case", verbose_name=_("published outcome"))
    write_up = models.TextField(_("write-up"))
    published_write_up = models.TextField(blank=True)

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-created_at", "-id"]
