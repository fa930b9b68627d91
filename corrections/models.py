"""Correction (纠错) and clarification (澄清正名) records of a ruled case.

Correction follows Kunming's five steps (昆明市《关于激励干部改革创新干事创业
纠错办法》: 启动纠错、发送通知、谈话提醒、督促整改、完善制度); clarification
follows Huailai (澄清正名: only the points of the report found untrue are
clarified, within a chosen scope). Each case has at most one of each; both
stay in the record after the case closes.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Scope and Method live with core.models.ClarificationRecord; named here too,
# where the clarification code of both apps imports them from.
from core.models import BaseModel, ClarificationRecord, Method, RecordedRow, Scope  # noqa: F401


class EventKind(models.TextChoices):
    """History events written by this app (``CaseEvent.kind``)."""

    CORRECTION_STARTED = "correction_started", _("Correction started (启动纠错)")
    CORRECTION_NOTICE_SENT = "correction_notice_sent", _("Correction notice sent (发送通知)")
    TALK_RECORDED = "talk_recorded", _("Reminder talk recorded (谈话提醒)")
    RECTIFICATION_TASK_ADDED = "rectification_task_added", _("Rectification task set (督促整改)")
    RECTIFICATION_REPORT_SUBMITTED = "rectification_report_submitted", _("Rectification report submitted")
    RECTIFICATION_ACCEPTED = "rectification_accepted", _("Rectification accepted")
    RECTIFICATION_RETURNED = "rectification_returned", _("Rectification report returned")
    RULE_CHANGE_RECORDED = "rule_change_recorded", _("Rule change recorded (完善制度)")
    FOUR_FORMS_HANDLED = "four_forms_handled", _("Handled by the four forms (四种形态分类处置)")
    CORRECTION_HANDLED = "correction_handled", _("Correction and its handling recorded (no procedure configured)")
    CORRECTION_SKIPPED = "correction_skipped", _("Correction skipped")
    CLARIFICATION_REQUESTED = "clarification_requested", _("Clarification requested by the cadre")
    CLARIFICATION_PROPOSED = "clarification_proposed", _("Clarification proposed by the handling department")
    CLARIFICATION_RECORDED = "clarification_recorded", _("Untrue points recorded")
    CLARIFICATION_ISSUED = "clarification_issued", _("Clarification statement issued (澄清说明)")
    REFERRAL_RECORDED = "referral_recorded", _("False-accusation referral recorded (诬告陷害)")
    CLARIFICATION_SKIPPED = "clarification_skipped", _("Clarification skipped")
    CASE_CLOSED = "case_closed", _("Case closed")


class FourForms(models.TextChoices):
    """The "four forms" of supervision and discipline (监督执纪“四种形态”),
    in the current wording of 《中国共产党党内监督条例》第七条 and
    《中国共产党纪律处分条例》（2023年修订）第五条 (policies.procedure.FOUR_FORMS)."""

    NOT_APPLICABLE = "", _("Not applicable (no discipline involved)")
    FIRST = "first", _("First form: criticism and self-criticism, talks and letters of inquiry (批评和自我批评、约谈函询)")
    SECOND = "second", _("Second form: light Party discipline, organisational adjustment (党纪轻处分、组织调整)")
    THIRD = "third", _("Third form: heavy Party discipline, major position adjustment (党纪重处分、重大职务调整)")
    FOURTH = "fourth", _("Fourth form: serious violation suspected of crime, case opened (严重违纪涉嫌违法立案审查)")


class Correction(BaseModel):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        SKIPPED = "skipped", _("Skipped")

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="correction")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    skip_reason = models.TextField(_("reason for skipping"), blank=True)

    # Step 1: start (启动纠错).
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("started on"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True)
    problems = models.TextField(_("what is to be corrected"), blank=True)
    four_forms = models.CharField(_("four forms (四种形态)"), max_length=10, choices=FourForms.choices,
                                  blank=True, default=FourForms.NOT_APPLICABLE)
    four_forms_note = models.CharField(_("four forms: handling"), max_length=300, blank=True)

    # Step 2: the correction notice (发送通知).
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    notice_recipients = models.CharField(_("sent to"), max_length=300, blank=True)
    notice_letter = models.ForeignKey("letters.Letter", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    # Step 3: the reminder talk (谈话提醒).
    talk_on = models.DateField(_("talk date"), null=True, blank=True)
    talk_participants = models.TextField(_("participants"), blank=True)
    talk_record = models.TextField(_("record of the talk"), blank=True)
    talk_acknowledgement = models.TextField(_("the cadre's acknowledgement"), blank=True)
    talk_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")

    # Step 5: improving the rules (完善制度).
    rule_change = models.TextField(_("rule or procedure changed"), blank=True)
    rule_document_title = models.CharField(_("document"), max_length=300, blank=True)
    rule_recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    rule_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return f"{self.case_id} {self.get_status_display()}"


class RectificationTask(BaseModel):
    """Step 4 (督促整改): one task with its deadline (a ``deadlines`` clock,
    stage ``rectification``, ref = the task id). A returned report gets a new
    clock: ``clock`` is the current one."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting the cadre's report")
        REPORTED = "reported", _("Report under review")
        # 验收通过, not 予以受理: an accepted rectification is checked and passed.
        ACCEPTED = "accepted", _("Rectification accepted")

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveSmallIntegerField(_("no."))
    description = models.TextField(_("what is to be rectified"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    clock = models.ForeignKey("deadlines.Clock", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["correction", "number"], name="uniq_rectification_no")]

    def __str__(self):
        return f"{self.correction_id}/{self.number}"


class RectificationReport(BaseModel):
    """The cadre's rectification report (整改报告) and the inspector's
    decision on it."""

    class Decision(models.TextChoices):
        # 审核中, not 复核中 (复核 is the applicant's appeal against a ruling).
        PENDING = "", _("Report being checked")
        ACCEPTED = "accepted", _("Rectification accepted")
        RETURNED = "returned", _("Returned")

    task = models.ForeignKey(RectificationTask, on_delete=models.CASCADE, related_name="reports")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("report"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True,
                                default=Decision.PENDING)
    decision_reason = models.TextField(_("reasons"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification report")
        verbose_name_plural = _("rectification reports")
        ordering = ["created_at", "id"]


def correction_file_path(instance, filename):
    # Never the user's name on disk: no path tricks, no executable extension.
    return f"corrections/{instance.case_id}/{uuid.uuid4().hex}.bin"


class CorrectionFile(BaseModel):
    """Evidence of a rectification report, or the document of a rule
    change. Type decided from the content (cases.uploads)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="correction_files")
    report = models.ForeignKey(RectificationReport, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="files")
    correction = models.ForeignKey(Correction, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="rule_files")
    file = models.FileField(upload_to=correction_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("correction file")
        verbose_name_plural = _("correction files")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class Clarification(ClarificationRecord):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        RECORDED = "recorded", _("Untrue points recorded")
        ISSUED = "issued", _("Issued")
        SKIPPED = "skipped", _("Skipped")

    class Origin(models.TextChoices):
        CADRE = "cadre", _("Requested by the cadre")
        DEPARTMENT = "department", _("Proposed by the handling department")
        NONE = "", _("—")

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="clarification")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    request_reason = models.TextField(_("why a clarification is needed"), blank=True)
    skip_reason = models.TextField(_("reason for skipping"), blank=True)
    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")

    def __str__(self):
        return f"{self.case_id} {self.get_status_display()}"


class UntruePoint(RecordedRow):
    """One point of the report found untrue (失实). A clarification states
    these points only — never an overall judgement of the person."""

    clarification = models.ForeignKey(Clarification, on_delete=models.CASCADE, related_name="points")
    number = models.PositiveSmallIntegerField(_("no."))
    allegation = models.TextField(_("what the report said"))
    finding = models.TextField(_("what verification found"))

    class Meta:
        verbose_name = _("untrue point")
        verbose_name_plural = _("untrue points")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["clarification", "number"], name="uniq_untrue_point_no")]
