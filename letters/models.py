from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class LetterKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance notice (受理通知书)")
    SUPPLEMENT = "supplement", _("Supplement request (补正通知书)")
    NOT_ACCEPTED = "not_accepted", _("Non-acceptance notice (不予受理通知书)")
    RULING = "ruling", _("Ruling letter (容错认定书)")
    REVIEW_DECISION = "review_decision", _("Review decision (复核决定书)")
    CORRECTION_NOTICE = "correction_notice", _("Correction notice (纠错通知书)")
    CLARIFICATION = "clarification", _("Clarification statement (澄清说明)")
    PREFILING_REGISTRATION = "prefiling_registration", _("Pre-filing registration decision (报备容错受理决定书)")
    # Issue 16: where the 办法 says the applicant is told the preliminary
    # opinion in writing before his 申辩 (procedure.preliminary_notice).
    PRELIMINARY_NOTICE = "preliminary_notice", _("Notice of the preliminary opinion (初步认定意见告知书)")
    # careers: the ruling's result uses to the organization department
    # (昌宁: the result "函告" to the 组织人事部门), and the revocation.
    RESULT_USE_NOTICE = "result_use_notice", _("Result use notice (结果运用通知)")
    REVOCATION = "revocation", _("Revocation decision (撤销决定书)")
    # clarifications: the statement of a stand-alone clarification case
    # (澄清正名事项), point by point as the check found.
    REPORT_CLARIFICATION = "report_clarification", _("Clarification statement of a report (澄清说明)")


# The title printed on the letter (always Chinese: it is the document's text).
LETTER_TITLES = {
    LetterKind.ACCEPTANCE: "受理通知书",
    LetterKind.SUPPLEMENT: "补正通知书",
    LetterKind.NOT_ACCEPTED: "不予受理通知书",
    LetterKind.RULING: "容错认定书",
    LetterKind.REVIEW_DECISION: "复核决定书",
    LetterKind.CORRECTION_NOTICE: "纠错通知书",
    LetterKind.CLARIFICATION: "澄清说明",
    LetterKind.PREFILING_REGISTRATION: "报备容错受理决定书",
    LetterKind.PRELIMINARY_NOTICE: "初步认定意见告知书",
    LetterKind.RESULT_USE_NOTICE: "容错认定结果运用通知",
    LetterKind.REVOCATION: "撤销容错认定决定书",
    LetterKind.REPORT_CLARIFICATION: "澄清说明",
}


def letter_path(instance, filename):
    # Never a user-supplied name; under MEDIA_ROOT, which is outside the web
    # root and served only by the access-checked download view.
    if instance.case_id is None:
        return f"letters/prefiling-{instance.prefiling_id}/{filename}"
    return f"letters/{instance.case_id}/{filename}"


class Letter(BaseModel):
    """An official letter of a case, or of a pre-filing (报备容错受理决定书). The
    context is a snapshot taken when the letter was issued, so that a
    re-render (after a template fix) prints the same facts, whatever changed
    on the case since. Exactly one owner: ``case`` or ``prefiling``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="letters",
                             verbose_name=_("case"), null=True, blank=True)
    prefiling = models.ForeignKey("prefilings.PreFiling", on_delete=models.PROTECT, related_name="letters",
                                  verbose_name=_("pre-filing"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=LetterKind.choices)
    # Tells apart several letters of one kind on one case (e.g. the id of the
    # supplement request); "" when a case has at most one.
    ref = models.CharField(_("reference"), max_length=50, blank=True, default="")
    number = models.CharField(_("document number"), max_length=60, unique=True)
    number_body = models.CharField(_("issuing body"), max_length=30)
    number_year = models.PositiveSmallIntegerField(_("year"))
    number_seq = models.PositiveIntegerField(_("sequence number"))
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("issued by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    context = models.JSONField(_("content snapshot"), default=dict)
    template_version = models.CharField(_("template version"), max_length=20, blank=True)
    file = models.FileField(_("file"), upload_to=letter_path, max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    sm3 = models.CharField("SM3", max_length=64, blank=True, default="")
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["issued_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, prefiling__isnull=True)
                | models.Q(case__isnull=True, prefiling__isnull=False),
                name="letter_one_owner",
            ),
            models.UniqueConstraint(fields=["case", "kind", "ref"], name="uniq_letter_case_kind_ref"),
            models.UniqueConstraint(fields=["prefiling", "kind", "ref"], name="uniq_letter_prefiling_kind_ref"),
            models.UniqueConstraint(fields=["number_body", "number_year", "number_seq"],
                                    name="uniq_letter_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def title(self) -> str:
        return LETTER_TITLES.get(self.kind, self.kind)

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def jurisdiction(self):
        """The issuing jurisdiction, whose administrators may regenerate it."""
        return (self.case or self.prefiling).jurisdiction


class LetterVersion(models.Model):
    """A rendering that was replaced by a regeneration; its file is kept."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    template_version = models.CharField(_("template version"), max_length=20)
    file = models.FileField(_("file"), max_length=200)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    sm3 = models.CharField("SM3", max_length=64, blank=True, default="")
    rendered_at = models.DateTimeField(_("rendered at"), null=True)
    replaced_at = models.DateTimeField(_("replaced at"), auto_now_add=True)
    replaced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("replaced by"))

    class Meta:
        verbose_name = _("earlier letter version")
        verbose_name_plural = _("earlier letter versions")
        ordering = ["-replaced_at", "-id"]

    def __str__(self):
        return f"{self.letter.number} {self.template_version}"


class LetterNumberCounter(models.Model):
    """Last sequence number per issuing body and year. The row is locked
    while a number is handed out, in the transaction that issues the letter:
    a rolled-back step gives its number back, so numbers have no gaps."""

    body = models.CharField(_("issuing body"), max_length=30)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document number counter")
        verbose_name_plural = _("document number counters")
        constraints = [models.UniqueConstraint(fields=["body", "year"], name="uniq_letter_counter")]

    def __str__(self):
        return f"{self.body} {self.year}: {self.last}"
