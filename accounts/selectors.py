"""Who holds which role where. The case visibility rule lives in
``cases.selectors.case_visibility_q`` and is built from these."""

from django.db.models import Q
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError

from .models import SECOND_FACTOR_ROLES, STAFF_ROLES, Membership, OrgUnit, Role, User
from .passwords import password_expired  # noqa: F401  (callers import it from here)


def user_memberships(user: User) -> list[Membership]:
    # Cached on the user object: one query per request whatever the callers.
    cached = getattr(user, "_membership_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("org_unit"))
        user._membership_cache = cached
    return cached


def user_roles(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    roles = {m.role for m in user_memberships(user)}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def user_has_role(user: User, role: str, org_unit: OrgUnit | None = None) -> bool:
    """True if ``user`` holds ``role`` over ``org_unit`` (or anywhere)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser and role == Role.ADMIN:
        return True
    for m in user_memberships(user):
        if m.role != role:
            continue
        if org_unit is None or org_unit.path.startswith(m.org_unit.path):
            return True
    return False


def role_paths(user: User, roles) -> list[str]:
    return sorted({m.org_unit.path for m in user_memberships(user) if m.role in roles})


def subtree_q(paths: list[str], field: str) -> Q:
    """Rows whose org unit (``field``, an OrgUnit path lookup) lies under any of ``paths``."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def users_with_role(*, role: str, org_unit: OrgUnit):
    """Users holding ``role`` over ``org_unit`` (at it or at an ancestor)."""
    ancestor_ids = org_unit.ancestor_ids()
    return (
        User.objects.filter(
            is_active=True, memberships__role=role, memberships__org_unit_id__in=ancestor_ids
        )
        .distinct()
        .order_by("username")
    )




def second_factor_required(user: User) -> bool:
    """Staff roles and the administrators sign in with a TOTP code, except in
    demo mode (where every demo role must work with the printed password)."""
    from django.conf import settings


    if settings.DEMO_MODE or not settings.SECOND_FACTOR_FOR_STAFF or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or user_roles(user) & set(SECOND_FACTOR_ROLES))


# Roles that handle cases and filings (not parties to them): they see the
# internal record and keep the issuing register.
HANDLING_ROLES = frozenset({Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN})


# --- Directory (GET /api/v1/directory/…) --------------------------------------------

# Roles whose holders look people up: the case staff (a supervisor assigns
# inspectors, intake hands a case on) and the two administrator duties that
# manage users and roles. Applicants and unit reviewers do not browse people.
DIRECTORY_ROLES = (*STAFF_ROLES, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


def directory_paths(user: User) -> list[str]:
    """The subtrees whose people ``user`` may look up (none: he may not)."""
    if user.is_superuser:
        return ["/"]
    return role_paths(user, DIRECTORY_ROLES)


NO_DIRECTORY = gettext_lazy("Only case staff and the system and security administrators look people up.")


def directory_require(*, user: User) -> None:
    """403 for a caller with no directory role."""
    if not directory_paths(user):
        raise ApplicationError(NO_DIRECTORY, code="permission_denied", status_code=403)


def org_unit_list_for_user(*, user: User, kind: str | None = None, parent_id: int | None = None):
    """The org units ``user`` works in: the subtrees of every role he holds
    (an applicant: his unit), never another jurisdiction's."""
    paths = ["/"] if user.is_superuser else sorted({m.org_unit.path for m in user_memberships(user)})
    qs = OrgUnit.objects.filter(subtree_q(paths, "path")).order_by("path")
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs


def org_unit_get_for_user(*, user: User, unit_id) -> OrgUnit:
    """One of the units ``user`` works in, else ``Http404``."""
    from django.http import Http404

    found = org_unit_list_for_user(user=user).filter(pk=unit_id).first()
    if found is None:
        raise Http404
    return found


def user_directory_for(*, user: User, role: str | None = None, org_unit_id: int | None = None,
                       q: str = "", active: bool | None = None):
    """People ``user`` may look up: those whose unit lies in his directory
    subtrees (``directory_paths``), each with only the roles he holds
    there (a role in another jurisdiction is not the caller's business).
    ``role`` / ``org_unit_id``: holding that role / over that unit's subtree
    (a supervisor's "inspectors of 怀来县")."""
    from django.db.models import Prefetch

    paths = directory_paths(user)
    qs = User.objects.filter(subtree_q(paths, "org_unit__path")).select_related("org_unit")
    held = Membership.objects.filter(subtree_q(paths, "org_unit__path")).select_related("org_unit")
    if role or org_unit_id is not None:
        wanted = Membership.objects.filter(subtree_q(paths, "org_unit__path"))
        if role:
            wanted = wanted.filter(role=role)
        if org_unit_id is not None:
            unit = OrgUnit.objects.filter(pk=org_unit_id).first()
            # Over that unit: held at it or above it (a role covers the
            # subtree below its unit).
            ancestors = unit.ancestor_ids() if unit is not None else []
            wanted = wanted.filter(org_unit_id__in=ancestors)
        qs = qs.filter(pk__in=wanted.values("user_id"))
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(username__icontains=q))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.prefetch_related(Prefetch("memberships", queryset=held.order_by("role", "org_unit__path"),
                                        to_attr="visible_memberships")).order_by("username", "id")


def user_directory_get(*, user: User, user_id) -> User:
    """One person of ``user``'s directory, else ``Http404`` (also for a
    person who exists elsewhere: nothing leaks across jurisdictions)."""
    from django.http import Http404

    found = user_directory_for(user=user).filter(pk=user_id).first()
    if found is None:
        raise Http404
    return found
