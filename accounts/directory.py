"""The directory's writes (``/api/v1/directory/…``): administrators manage
users, roles and org units through the API as in the admin, with the same
rules and the same security services (``accounts.services``: a disabled
user, a role change or a new password ends his sessions and tokens).

三员分立 (docs/security.md, ``accounts.backends.DUTY_PERMISSIONS``):

- the **system administrator** creates and edits users (no staff,
  superuser or permission flags, no roles), enables and disables them,
  sets a new password, and creates and edits org units;
- the **security administrator** grants and revokes roles;
- the **audit administrator** writes nothing here.

Each acts only inside the subtree his duty is held over. One rule the
admin does not spell out: an account that holds an administrator duty is
not managed by another duty (a system administrator does not disable or
set the password of the security or audit administrator who watches him):
that is the installation's superuser's, in the admin.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError

from .models import ADMIN_DUTIES, Membership, OrgUnit, Role, User
from .selectors import user_has_role, user_roles
from .services import (
    membership_grant,
    membership_revoke,
    org_unit_create,
    user_password_set,
    user_set_active,
)
from .signals import security_event

NOT_YOUR_DUTY = gettext_lazy("Only the %(duty)s of this jurisdiction may do this.")
DUTY_ACCOUNT = gettext_lazy("The account of an administrator (system, security, audit) is managed by the "
                            "installation's superuser, not by another administrator.")
NO_TOP_LEVEL = gettext_lazy("A unit cannot be moved to the top level or above its jurisdiction here: "
                            "that is the installation's, in the admin.")
NOT_UNDER_ITSELF = gettext_lazy("A unit cannot be placed under itself or under one of its own units.")


def _audit(*, actor: User, request, target: str, data: dict) -> None:
    security_event.send(sender=User, kind="admin_action", actor=actor, request=request, target=target, data=data)


def _require_duty(actor: User, duty: str, org_unit: OrgUnit | None) -> None:
    if actor.is_superuser:
        return
    if org_unit is None or not user_has_role(actor, duty, org_unit):
        raise ApplicationError(NOT_YOUR_DUTY % {"duty": Role(duty).label}, code="permission_denied",
                               status_code=403)


def _require_manages(actor: User, user: User) -> None:
    """The system administrator over ``user``'s unit, and ``user`` no
    holder of a duty (unless the actor is the superuser)."""
    _require_duty(actor, Role.SYSTEM_ADMIN, user.org_unit)
    if not actor.is_superuser and (user.is_superuser or user_roles(user) & set(ADMIN_DUTIES)):
        raise ApplicationError(DUTY_ACCOUNT, code="permission_denied", status_code=403)


# --- Roles (security administrator) ------------------------------------------------


def directory_membership_grant(*, actor: User, user: User, org_unit: OrgUnit, role: str,
                               request=None) -> Membership:
    """The security administrator of the unit's jurisdiction gives ``user``
    ``role`` over ``org_unit`` (the admin's rule: a duty excludes every other
    role, a Django ``ValidationError``)."""
    _require_duty(actor, Role.SECURITY_ADMIN, org_unit)
    return membership_grant(user=user, org_unit=org_unit, role=role, actor=actor, request=request)


def directory_membership_revoke(*, actor: User, user: User, membership_id: int, request=None) -> None:
    membership = Membership.objects.filter(pk=membership_id, user=user).select_related("org_unit", "user").first()
    if membership is None:
        raise Http404
    _require_duty(actor, Role.SECURITY_ADMIN, membership.org_unit)
    membership_revoke(membership=membership, actor=actor, request=request)


def _password_rules(password: str, user: User) -> None:
    """The password validators' refusals, named after the field (422)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None


# --- Users (system administrator) --------------------------------------------------

# What the system administrator's admin form lets him edit (UserAdmin.duty_fieldsets),
# less the password (its own operation) and the name parts nobody here uses.
USER_FIELDS = ("full_name", "email", "phone", "org_unit")


@transaction.atomic
def directory_user_create(*, actor: User, username: str, org_unit: OrgUnit, password: str, full_name: str = "",
                          email: str = "", phone: str = "", request=None) -> User:
    """A new user in ``org_unit`` with ``password`` (Django's validators and
    ours: length, character classes), no role yet: roles are the security
    administrator's."""
    _require_duty(actor, Role.SYSTEM_ADMIN, org_unit)
    user = User(username=username, org_unit=org_unit, full_name=full_name, email=email, phone=phone)
    user.full_clean(exclude=["password"])
    _password_rules(password, user)
    user.set_password(password)
    user.save()
    _audit(actor=actor, request=request, target=f"user:{user.username}",
           data={"action": "user_created", "user": user.username, "org_unit": org_unit.code})
    return user


@transaction.atomic
def directory_user_update(*, actor: User, user: User, request=None, is_active: bool | None = None,
                          **fields) -> User:
    """Edit ``user``'s details (``USER_FIELDS``) and enable or disable him:
    by the system administrator over his unit (and over the new unit when
    he moves). Enabling or disabling ends his sessions and tokens
    (``accounts.services.user_set_active``)."""
    _require_manages(actor, user)
    changed = {name: value for name, value in fields.items()
               if name in USER_FIELDS and getattr(user, name) != value}
    if "org_unit" in changed:
        _require_duty(actor, Role.SYSTEM_ADMIN, changed["org_unit"])
    if changed:
        for name, value in changed.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changed))
        _audit(actor=actor, request=request, target=f"user:{user.username}",
               data={"action": "user_changed", "user": user.username, "fields": sorted(changed)})
    if is_active is not None and is_active != user.is_active:
        user_set_active(user=user, active=is_active, actor=actor, request=request)
    return user


def directory_user_set_active(*, actor: User, user: User, active: bool, request=None) -> User:
    return directory_user_update(actor=actor, user=user, is_active=active, request=request)


@transaction.atomic
def directory_user_set_password(*, actor: User, user: User, password: str, request=None) -> None:
    """A new password for ``user`` (as the admin's password form: the same
    validators, the history included); his sessions and tokens end
    (``accounts.services.user_password_changed``)."""
    _require_manages(actor, user)
    try:
        user_password_set(user=user, new_password=password, actor=actor, request=request)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None


# --- Org units (system administrator) ----------------------------------------------


def directory_org_unit_create(*, actor: User, parent: OrgUnit, name: str, code: str, kind: str,
                              short_name: str = "", request=None) -> OrgUnit:
    """A new unit under ``parent``, by the system administrator over it
    (a new top-level jurisdiction is for the installation, in the admin)."""
    _require_duty(actor, Role.SYSTEM_ADMIN, parent)
    unit = org_unit_create(name=name, code=code, kind=kind, parent=parent, short_name=short_name)
    _audit(actor=actor, request=request, target=f"org_unit:{unit.code}",
           data={"action": "org_unit_created", "org_unit": unit.code, "parent": parent.code})
    return unit


def org_unit_paths_follow(unit: OrgUnit) -> None:
    """After ``unit`` was saved with a new parent: its materialised path,
    and its descendants', follow (the admin calls this too)."""
    new_path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
    if unit.path == new_path:
        return
    old = unit.path
    unit.path = new_path
    OrgUnit.objects.filter(pk=unit.pk).update(path=new_path)
    if old:
        for child in OrgUnit.objects.filter(path__startswith=old).exclude(pk=unit.pk):
            OrgUnit.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old):])


@transaction.atomic
def directory_org_unit_update(*, actor: User, unit: OrgUnit, request=None, **fields) -> OrgUnit:
    """Edit a unit (name, short name, code, kind) or move it under another
    parent, by the system administrator over it and over the new parent.
    A top-level unit stays at the top; no unit goes under its own subtree."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    _require_duty(actor, Role.SYSTEM_ADMIN, unit)
    changed = {name: value for name, value in fields.items()
               if name in ("name", "short_name", "code", "kind", "parent") and getattr(unit, name) != value}
    if "parent" in changed:
        parent = changed["parent"]
        if parent is None or unit.parent_id is None:
            raise ValidationError({"parent": [NO_TOP_LEVEL]}, code="top_level")
        if parent.path.startswith(unit.path):
            raise ValidationError({"parent": [NOT_UNDER_ITSELF]}, code="cycle")
        _require_duty(actor, Role.SYSTEM_ADMIN, parent)
    if not changed:
        return unit
    for name, value in changed.items():
        setattr(unit, name, value)
    unit.full_clean(exclude=["path"])
    unit.save(update_fields=[("parent" if n == "parent" else n) for n in changed])
    if "parent" in changed:
        org_unit_paths_follow(unit)
    _audit(actor=actor, request=request, target=f"org_unit:{unit.code}",
           data={"action": "org_unit_changed", "org_unit": unit.code, "fields": sorted(changed)})
    return unit
