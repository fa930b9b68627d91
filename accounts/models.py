from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

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
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False, default="")

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
    # A demo login (public password): refused unless DEMO_MODE is on.
    is_demo = models.BooleanField(_("demo login"), default=False, editable=False)
    # Part of the session signature: a new stamp ends every session
    # (accounts.services.user_sessions_end).
    session_stamp = models.CharField(max_length=32, blank=True, default="", editable=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True,
                                               editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django's, with the session stamp: disabling the user, changing his
        # roles or his password ends the sessions he holds, also after he is
        # enabled again. Without a stamp the hash is Django's own, so that
        # sessions made before this field existed stay valid.
        value = self.password + (f":{self.session_stamp}" if self.session_stamp else "")
        return salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
                           value, secret=secret, algorithm="sha256").hexdigest()


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    UNIT_REVIEWER = "unit_reviewer", _("Unit reviewer")
    INTAKE = "intake", _("Intake officer")
    INSPECTOR = "inspector", _("Inspector")
    SUPERVISOR = "supervisor", _("Supervisor")
    COMMITTEE = "committee", _("Committee member")
    ADMIN = "admin", _("Administrator")
    # 组织部门 / 组织人事部门 over a jurisdiction: receives the rulings with
    # their result uses and records how each was applied (问责条例 2016
    # Art.9: "有关问责情况应当向组织部门通报"; seeds: 组织部门 holds 谈心谈话).
    ORG_DEPT = "org_dept", _("Organization department")
    # 三员分立 (GB/T 22239-2019 8.1.4.2 访问控制, 8.1.5 安全管理中心): three
    # administrators, none of whom reads case content.
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# Roles that work on cases across a jurisdiction (DESIGN §1).
STAFF_ROLES = (Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN)
# The separated administrator duties: a holder of one holds no other role.
ADMIN_DUTIES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
# Roles that sign in with a second factor outside demo mode.
# The organization department reads cadres' records: it signs in like staff.
SECOND_FACTOR_ROLES = (*STAFF_ROLES, Role.ORG_DEPT, *ADMIN_DUTIES)

DUTY_CONFLICT = gettext_noop("An administrator duty (system, security, audit) excludes every other role: %(user)s holds %(role)s.")
DUTY_STAFF = gettext_noop("A holder of an administrator duty cannot be a Django staff member or superuser.")


class Membership(BaseModel):
    """A role held by a user over an org unit and everything below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="memberships",
                                 verbose_name=_("org unit"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "org_unit", "role"], name="uniq_membership")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"

    def clean(self):
        """三员分立: a duty excludes every other role of the user (checked
        here for the admin's forms and by ``membership_grant``)."""
        if not self.user_id or not self.role:
            return
        others = Membership.objects.filter(user_id=self.user_id).exclude(pk=self.pk).exclude(role=self.role)
        if self.role in ADMIN_DUTIES:
            clash = others.first()
            if self.user.is_staff or self.user.is_superuser:
                raise ValidationError(_(DUTY_STAFF), code="duty_conflict")
        else:
            clash = others.filter(role__in=ADMIN_DUTIES).first()
        if clash is not None:
            raise ValidationError(_(DUTY_CONFLICT) % {"user": self.user, "role": clash.get_role_display()},
                                  code="duty_conflict")


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords (accounts.passwords)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
