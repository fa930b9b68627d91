"""Who holds which role where. The case visibility rule lives in
``cases.selectors.case_visibility_q`` and is built from these."""

from django.db.models import Q

from .models import Membership, OrgUnit, Role, User


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


