from accounts.models import Role, User
from accounts.selectors import user_has_role


def inspector_must_recuse(*, case, user: User) -> str | None:
    """Why ``user`` must recuse himself from ``case`` (回避), or None."""
    if user.pk in (case.applicant_id, case.created_by_id):
        return "applicant"
    if user.org_unit_id and user.org_unit_id == case.unit_id:
        return "same_unit"
    if case.recusals.filter(user=user).exists():
        return "related"
    return None


def inspector_may_handle(*, case, user: User) -> bool:
    """An inspector of the case's jurisdiction who need not recuse himself."""
    return user_has_role(user, Role.INSPECTOR, case.unit) and inspector_must_recuse(case=case, user=user) is None
