"""Who holds which role where. The case visibility rule lives in
``cases.selectors.case_visibility_q`` and is built from these."""

from django.db.models import Q

from .models import SECOND_FACTOR_ROLES, Membership, OrgUnit, Role, User


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


def password_expired(user: User) -> bool:
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or settings.DEMO_MODE or not user.is_authenticated or not user.has_usable_password():
        return False
    since = user.password_changed_at or user.date_joined
    return since < timezone.now() - dt.timedelta(days=days)


# Roles that handle cases and filings (not parties to them): they see the
# internal record and keep the issuing register.
HANDLING_ROLES = frozenset({Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN})
