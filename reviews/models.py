from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


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


class Assignment(BaseModel):
    """An inspector assigned to verify a case; reassignment deactivates."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assignments")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    ended_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "inspector"], condition=models.Q(active=True), name="uniq_active_assignment"
            )
        ]


class Ruling(BaseModel):
    """认定结论. A case has its first ruling and at most one review ruling
    (复核); ``is_current`` marks the one in force. Both stay in the record."""

    class Kind(models.TextChoices):
        FIRST = "first", _("Ruling")
        REVIEW = "review", _("Review decision")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="rulings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIRST)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    reasons = models.TextField(_("reasons"))
    # The policy items relied on (positive-list scenarios, conditions) and
    # any negative-list item found to apply.
    applied_items = models.ManyToManyField(
        "policies.PolicyItem", blank=True, related_name="rulings", verbose_name=_("policy items relied on")
    )
    needs_correction = models.BooleanField(_("correction needed"), default=False)
    needs_clarification = models.BooleanField(_("clarification needed"), default=False)
    decided_on = models.DateField(_("decided on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_current = models.BooleanField(default=True)

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
