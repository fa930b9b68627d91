from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class OrgUnit(BaseModel):
    """A node of the org tree: a jurisdiction (地区) or a unit (单位).

    ``path`` is the materialised chain of ancestor ids ("/1/4/9/") so that
    "inside this jurisdiction" is one indexed prefix match.
    """

    class Kind(models.TextChoices):
        JURISDICTION = "jurisdiction", _("Jurisdiction")
        UNIT = "unit", _("Unit")

    name = models.CharField(_("name"), max_length=100)
    # One or two characters used in case and letter numbers: 怀容〔2026〕第0001号.
    short_name = models.CharField(_("short name"), max_length=10, blank=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def ancestor_ids(self) -> list[int]:
        return [int(x) for x in self.path.strip("/").split("/") if x]


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members",
        verbose_name=_("unit"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    UNIT_REVIEWER = "unit_reviewer", _("Unit reviewer")
    INTAKE = "intake", _("Intake officer")
    INSPECTOR = "inspector", _("Inspector")
    SUPERVISOR = "supervisor", _("Supervisor")
    COMMITTEE = "committee", _("Committee member")
    ADMIN = "admin", _("Administrator")


# Roles that work on cases across a jurisdiction (DESIGN §1).
STAFF_ROLES = (Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN)


class Membership(BaseModel):
    """A role held by a user over an org unit and everything below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "org_unit", "role"], name="uniq_membership")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"
