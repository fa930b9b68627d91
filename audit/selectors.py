from django.http import Http404

from accounts.models import Role
from accounts.selectors import user_has_role

from .models import AuditRecord


def audit_may_read(user) -> bool:
    """Only the audit administrator reads the audit log (三员分立)."""
    return bool(user.is_authenticated and user.is_active and user_has_role(user, Role.AUDIT_ADMIN))


def audit_records_for_user(*, user, filters: dict | None = None):
    """The audit records, newest first; a 404 for anybody but the audit
    administrator (its existence is not shown)."""
    if not audit_may_read(user):
        raise Http404
    qs = AuditRecord.objects.select_related("actor").order_by("-pk")
    filters = filters or {}
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("username"):
        qs = qs.filter(username__icontains=filters["username"])
    if filters.get("since"):
        qs = qs.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(created_at__date__lte=filters["until"])
    return qs
