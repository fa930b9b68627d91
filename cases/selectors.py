"""Reads of cases. Every list and detail of a case goes through
``case_visibility_q`` (DESIGN §1): what a user may see, by role and org unit.

- applicant: the cases he is the applicant of, or filed (for his unit);
- unit reviewer: non-draft cases of units under his unit;
- intake, inspector, supervisor, committee, admin: non-draft cases of units
  inside their jurisdiction; an inspector never one he must recuse himself
  from (he is the applicant, in the applicant's unit, or marked related).

A refused case is a 404 everywhere: existence is not leaked.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.selectors import role_paths, subtree_q, user_memberships

from .models import Case, Stage


def _recusal_q(user: User) -> Q:
    q = Q(applicant=user) | Q(created_by=user)
    if user.org_unit_id:
        q |= Q(unit_id=user.org_unit_id)
    # Marked as related to the case (回避).
    return q | Q(recusals__user=user)


def case_visibility_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    q = Q(applicant=user) | Q(created_by=user)
    user_memberships(user)  # warm the cache once
    not_draft = ~Q(stage=Stage.DRAFT)
    reviewer_paths = role_paths(user, {Role.UNIT_REVIEWER})
    if reviewer_paths:
        q |= not_draft & subtree_q(reviewer_paths, "unit__path")
    staff_paths = role_paths(user, {Role.INTAKE, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN})
    if user.is_superuser:
        q |= not_draft
    elif staff_paths:
        q |= not_draft & subtree_q(staff_paths, "unit__path")
    inspector_paths = role_paths(user, {Role.INSPECTOR})
    if inspector_paths:
        q |= not_draft & subtree_q(inspector_paths, "unit__path") & ~_recusal_q(user)
    return q


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    return (
        Case.objects.filter(case_visibility_q(user))
        .select_related("applicant", "unit", "jurisdiction", "policy_version__document")
        .distinct()
    )


def case_get_for_user(*, user: User, case_id) -> Case:
    """The case if ``user`` may see it, else ``Http404`` (leaks nothing)."""
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    case = case_list_for_user(user=user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case
