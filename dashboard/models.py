import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


def export_path(instance, filename):
    return f"exports/{instance.user_id}/{uuid.uuid4().hex}.{instance.format}"


class Export(BaseModel):
    """A large export prepared by a Celery task; downloadable only by the
    user who asked for it."""

    class Kind(models.TextChoices):
        CASES = "cases", _("Case list")
        DASHBOARD = "dashboard", _("Dashboard tables")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        # The file was removed after the retention period (services.EXPORT_RETENTION).
        EXPIRED = "expired", _("Removed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_path, max_length=200, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind}.{self.format} ({self.status})"

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.done_rows / self.total)) if self.total else 0

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.created_at:%Y%m%d-%H%M}.{self.format}"


# --- Maintained figures (dashboard.selectors.dashboard_stats) ---------------
#
# The dashboard reads a few hundred cells instead of counting every visible
# case. A cell is one additive figure of one jurisdiction and submission
# year: ``kind`` with its keys ``a`` / ``b`` (see selectors.case_figures),
# ``n`` cases and ``total`` seconds (time per stage). ``CaseFigure`` keeps
# what each case contributes, so that a change moves exactly that out of
# the cells and the new contribution in. The database marks every change
# that can move a figure in ``FigureDirty`` (triggers, migration 0003): a
# marked case is counted live until the fold (services.figures_fold, every
# minute) takes it in, so the figures are never stale, whatever wrote the
# row. ``recount_stats`` rebuilds or checks everything. Time per stage is
# kept at 0.1, 1, 10 and 100 days (radix cells: selectors.STAY_LEVELS), the
# coarse ones derived from the case's 0.1-day cells, which alone are stored
# in its CaseFigure.

STAY = "stay"
STAY_LEVELS = (("stay100", 1000), ("stay10", 100), ("stay1", 10))  # (kind, tenths per cell), coarse first
STAY_KINDS = (STAY, *(kind for kind, _per in STAY_LEVELS))


class FigureCell(models.Model):
    jurisdiction_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()  # of submission; 0: not submitted
    kind = models.CharField(max_length=10)
    a = models.CharField(max_length=30, blank=True, default="")
    b = models.CharField(max_length=30, blank=True, default="")
    n = models.BigIntegerField(default=0)
    total = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction_id", "year", "kind", "a", "b"], name="uniq_figure_cell"),
        ]
        indexes = [
            # The figures but time per stage (a few thousand cells) read
            # without the time-per-stage cells (nearly all of them: one per
            # tenth of a day), which selectors.stay_summaries reads apart.
            models.Index(fields=["jurisdiction_id", "year", "kind", "a", "b"], include=["n", "total"],
                         condition=~models.Q(kind__in=STAY_KINDS), name="figurecell_not_stay"),
            # Time per stage a level at a time: ten cells of each stage
            # wanted, for every jurisdiction and year (selectors.stay_summaries).
            # Jurisdiction and year are included, not keys: as keys, their
            # IN list made PostgreSQL 15 descend once per jurisdiction and
            # key wanted, and so prefer reading every cell of the stage with
            # the keys as a filter (and in parallel at 100k cases); included,
            # they filter the few cells the keys find (issue 19).
            models.Index(fields=["kind", "a", "b"], include=["jurisdiction_id", "year", "n", "total"],
                         condition=models.Q(kind__in=STAY_KINDS), name="figurecell_stay"),
        ]


class CaseFigure(models.Model):
    """What one case contributes to the cells (nothing for a draft)."""

    case_id = models.BigIntegerField(primary_key=True)
    jurisdiction_id = models.BigIntegerField()
    unit_id = models.BigIntegerField(db_index=True)
    year = models.PositiveSmallIntegerField()
    cells = models.JSONField(default=list)


class FigureDirty(models.Model):
    """A change to fold: one row per write, whoever made it (triggers)."""

    case_id = models.BigIntegerField(db_index=True)
