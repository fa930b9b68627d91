import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BaseModel, ChainedRow
from reviews.models import Result


def publication_pdf_path(instance, filename):
    # Never the uploader's name on disk (no path tricks).
    return f"publication/{uuid.uuid4().hex}.pdf"


class Publication(BaseModel):
    """A redacted text published on the portal about a ruled case (or an
    issued clarification whose scope is public).

    ``body`` is the internal source text (it may hold names); the public
    only ever sees ``published_title`` / ``published_text``, which are the
    redacted copies frozen when it went out, and never a case id or number.
    """

    class Kind(models.TextChoices):
        OUTCOME = "outcome", pgettext_lazy("publication kind", "Outcome")
        CLARIFICATION = "clarification", pgettext_lazy("publication kind", "Clarification")

    class Status(models.TextChoices):
        # Contexts: these common words are translated elsewhere otherwise
        # (e.g. 已发布), and the portal's wording is 公开.
        DRAFT = "draft", pgettext_lazy("publication status", "Draft")
        SCHEDULED = "scheduled", pgettext_lazy("publication status", "Scheduled")
        PUBLISHED = "published", pgettext_lazy("publication status", "Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("publication status", "Withdrawn")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="publications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OUTCOME)
    # The clarification published (its id in the corrections app), if any.
    ref = models.CharField(max_length=50, blank=True, default="")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    slug = models.SlugField(_("address"), max_length=40, unique=True)
    jurisdiction = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("jurisdiction"))
    # Facts for the portal's filters, copied from the ruling (no case link
    # is needed to filter).
    result = models.CharField(_("result"), max_length=20, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    # The ruling the outcome text was written from: publishing checks it is
    # still the final one (a review may follow the draft).
    ruling = models.ForeignKey("reviews.Ruling", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    scenarios = models.ManyToManyField("policies.PolicyItem", blank=True, related_name="+",
                                       verbose_name=_("scenarios"))

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # [{"term": "张伟", "source": "name"}, …] found from the case; the unit
    # name is kept apart because the policy decides whether it is hidden.
    default_terms = models.JSONField(default=list, blank=True)
    extra_terms = models.JSONField(_("terms added"), default=list, blank=True)
    # Issue 22: what the name detector found and the administrator waved
    # through as no name (a false positive such as 长城), each with his
    # reason: [{"term", "reason", "by" (user id), "at" (ISO)}]. Never a term
    # the case knows (the applicant, anyone in its history, its units).
    cleared_terms = models.JSONField(_("detector finds waved through"), default=list, blank=True)
    redact_unit = models.BooleanField(_("hide the unit name"), default=False)
    unit_name = models.CharField(max_length=100, blank=True)
    pdf = models.FileField(_("attached PDF"), upload_to=publication_pdf_path, max_length=200, blank=True)
    pdf_name = models.CharField(max_length=255, blank=True)

    published_title = models.CharField(max_length=200, blank=True)
    published_text = models.TextField(blank=True)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_at", "-id"]
        constraints = [
            # One live publication per case and subject; a withdrawn one
            # stays on record and a new draft may follow it.
            models.UniqueConstraint(
                fields=["case", "kind", "ref"], condition=~models.Q(status="withdrawn"),
                name="uniq_live_publication",
            )
        ]
        indexes = [
            # The beat sweep: scheduled publications by time.
            models.Index(fields=["status", "publish_at"], name="publication_due_idx"),
            # The portal (issue 19): published rows newest first, read by
            # keyset; their years of ruling, read a year at a time.
            models.Index(fields=["kind", "-published_at", "-id"], condition=models.Q(status="published"),
                         name="publication_portal_idx"),
            models.Index(fields=["kind", "decided_on"], condition=models.Q(status="published"),
                         name="publication_portal_year_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def result_label(self) -> str:
        return str(Result(self.result).label) if self.result in Result.values else ""


class PublicationLog(ChainedRow):
    """Append-only audit of a publication: who did what, when."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", _("Draft created")
        UPDATED = "updated", _("Draft edited")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        BLOCKED = "blocked", _("Blocked by the leak check")
        TERM_CLEARED = "term_cleared", _("Detector finding waved through")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="log")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    data = models.JSONField(default=dict, blank=True)
    # Set before the insert (not auto_now_add): it is part of the hash.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class PublicationEventKind(models.TextChoices):
    """Case-history events (cases.models.CaseEvent.kind) of this app."""

    PUBLISHED = "publication_published", _("Outcome published")
    WITHDRAWN = "publication_withdrawn", _("Publication withdrawn")
