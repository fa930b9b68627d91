"""A stand-alone clarification case (澄清正名事项): a 信访举报 against a
cadre is checked point by point and, where it proved untrue, his name is
cleared within a chosen scope (怀来: "在一定范围内"), with no 容错
application at all.

The case itself is a ``cases.Case`` (origin ``report``, stages
``report_check`` → ``report_clarification`` → ``closed``), so its history,
clocks, letters, notifications, roles and confidentiality are the kernel's;
this app keeps what only such a case has: the report, its points and their
findings, the cadre's view, the scope and method, the 诬告陷害 referral and
the record of 持续无理上访.

Who reported is confidential: ``ReportMatter.reporter_name`` and
``reporter_contact`` (and the 信访 number, which leads to him) are shown to
the handling staff only (``cases.selectors.case_sees_internal``), never to
the cadre or his unit, and never published.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, ClarificationRecord, RecordedRow


class EventKind(models.TextChoices):
    """History events of a clarification case (``CaseEvent.kind``)."""

    OPENED = "report_case_opened", _("Clarification case opened from a report (澄清正名事项)")
    POINT_FOUND = "report_point_found", _("Finding recorded on a reported point")
    VIEW_SOUGHT = "cadre_view_sought", _("The cadre's view sought")
    VIEW_RECORDED = "cadre_view_recorded", _("The cadre's view recorded")
    CHECK_CONCLUDED = "report_check_concluded", _("Check of the report concluded")
    SCOPE_DECIDED = "clarification_scope_decided", _("Scope and method of the clarification decided")
    STATEMENT_ISSUED = "report_statement_issued", _("Clarification statement issued (澄清说明)")
    PUBLISHED = "report_clarification_published", _("Clarification published on the portal")
    REFERRED = "false_accusation_referred", _("False accusation referred (诬告陷害)")
    PETITION_RECORDED = "vexatious_petition_recorded", _("Persistent unreasonable petitioning recorded (持续无理上访)")
    CLOSED = "report_case_closed", _("Clarification case closed")


class Finding(models.TextChoices):
    TRUE = "true", _("True (属实)")
    PARTLY_TRUE = "partly_true", _("Partly true (部分属实)")
    UNTRUE = "untrue", _("Untrue (失实)")
    UNFOUNDED = "unfounded", _("No evidence found (查无实据)")


# Findings whose point the statement clears (a partly true point is cleared
# for its untrue part only: the basis says which).
CLEARED_FINDINGS = (Finding.PARTLY_TRUE, Finding.UNTRUE, Finding.UNFOUNDED)
# The wording the letter prints for each finding (the document's text).
FINDING_WORDS = {
    Finding.TRUE: "属实",
    Finding.PARTLY_TRUE: "部分属实",
    Finding.UNTRUE: "失实",
    Finding.UNFOUNDED: "查无实据",
}


class Channel(models.TextChoices):
    LETTER = "letter", _("Letter (来信)")
    VISIT = "visit", _("Visit (来访)")
    PHONE = "phone", _("Telephone (来电)")
    ONLINE = "online", _("Online (网络举报)")
    REFERRED = "referred", _("Referred by another body (转办)")


class ClarificationCounter(models.Model):
    """Numbers of clarification cases, per jurisdiction and year: a series
    of their own (…澄〔2026〕第0001号), so 容错 case numbers stay gapless."""

    jurisdiction = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="uniq_clarification_counter")]


class ReportMatter(ClarificationRecord):
    """The report a clarification case was opened from, and everything the
    case decides about it."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="report_matter")
    # The report (信访举报). Internal: who reported, and the number that
    # leads to him.
    report_number = models.CharField(_("report number (信访举报编号)"), max_length=60)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.LETTER)
    reporter_name = models.CharField(_("reporter"), max_length=100, blank=True,
                                     help_text=_("Empty for an anonymous report. Never shown to the cadre."))
    reporter_contact = models.CharField(_("reporter's contact"), max_length=200, blank=True)

    # The cadre's view (听取本人意见).
    view_sought_on = models.DateField(_("view sought on"), null=True, blank=True)
    view_sought_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    cadre_view = models.TextField(_("the cadre's view"), blank=True)
    cadre_view_at = models.DateTimeField(_("view recorded at"), null=True, blank=True)
    cadre_view_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    concluded_at = models.DateTimeField(_("check concluded at"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion of the check"), blank=True)

    # The clarification: where and how.
    # The clarification: where and how (the scope, method, statement and
    # referral are core.models.ClarificationRecord's), and who decided it.
    decided_at = models.DateTimeField(_("scope decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("clarification case")
        verbose_name_plural = _("clarification cases")

    def __str__(self):
        return f"{self.case_id} {self.report_number}"

    @property
    def issued_on(self):
        return self.letter.issued_on if self.letter_id and self.letter else None

    def statement_points(self) -> list[dict]:
        """The points the statement clears, as the letter and the portal
        print them: the allegation and the finding, nothing about the
        reporter."""
        return [
            {"number": p.number, "allegation": p.allegation, "finding": p.finding,
             "finding_label": FINDING_WORDS[p.finding], "basis": p.basis}
            for p in self.points.all() if p.finding in CLEARED_FINDINGS
        ]

    @property
    def statement(self) -> str:
        """The portal's text (publication reads ``statement``): the findings
        on the points cleared, in neutral words, citing no rule; never the
        cadre's or the reporter's name (publication hides them as well)."""
        lines = ["经核查，反映的下列问题："]
        for p in self.statement_points():
            basis = p["basis"].strip()
            lines.append(f"{p['number']}. 反映“{p['allegation'].strip()}”的问题，经核查{p['finding_label']}。"
                         + (f"{basis}" if basis else ""))
        lines.append("现予以澄清。")
        return "\n".join(lines)


class ReportPoint(BaseModel):
    """One point of the report (反映的问题) and what the check found."""

    matter = models.ForeignKey(ReportMatter, on_delete=models.CASCADE, related_name="points")
    number = models.PositiveSmallIntegerField(_("no."))
    allegation = models.TextField(_("what the report said"))
    finding = models.CharField(_("finding"), max_length=12, choices=Finding.choices, blank=True)
    basis = models.TextField(_("what the check found"), blank=True)
    found_at = models.DateTimeField(_("found at"), null=True, blank=True)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        verbose_name = _("reported point")
        verbose_name_plural = _("reported points")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["matter", "number"], name="uniq_report_point_no")]

    def __str__(self):
        return f"{self.matter_id}/{self.number}"

    @property
    def cleared(self) -> bool:
        return self.finding in CLEARED_FINDINGS


class PetitionRecord(RecordedRow):
    """持续无理上访: a reporter who keeps petitioning on a matter already
    checked and answered, and how it was handled (internal)."""

    matter = models.ForeignKey(ReportMatter, on_delete=models.CASCADE, related_name="petitions")
    occurred_on = models.DateField(_("date"))
    description = models.TextField(_("what the petitioner did"))
    handling = models.TextField(_("how it was handled"))

    class Meta:
        verbose_name = _("persistent petitioning record")
        verbose_name_plural = _("persistent petitioning records")
        ordering = ["occurred_on", "id"]
