"""Writing and purging audit records."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.history import chain_append

from .models import AuditKind, AuditRecord

# 网络安全法 第二十一条: network logs are kept for no less than six months;
# the purge never goes below this, whatever the setting says (the database
# trigger refuses younger rows too: core.history).
MIN_RETENTION_DAYS = 180


def client_ip(request) -> str:
    if request is None:
        return ""
    # The same address django-axes locks on (it honours the proxy settings).
    from axes.helpers import get_client_ip_address

    return (getattr(request, "axes_ip_address", None) or get_client_ip_address(request) or "")[:45]


def audit_record(*, kind: str, actor=None, request=None, username: str = "", target: str = "",
                 data: dict | None = None) -> AuditRecord:
    """Append one audit record. Callable inside or outside a transaction;
    inside one, the record shares its fate (a refused step leaves none)."""
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    if actor is not None and not username:
        username = actor.get_username()
    return chain_append(
        AuditRecord, kind=kind, actor=actor, username=username[:150], ip=client_ip(request),
        target=target[:200], data=data or {},
    )


def audit_retention_days() -> int:
    return max(int(settings.AUDIT_RETENTION_DAYS), MIN_RETENTION_DAYS)


@transaction.atomic
def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Remove records older than the retention period; the removal is itself
    recorded, with the hashes of the last row removed: the anchor the oldest
    row left points at (``core.history.chain_anchor``, checked by
    ``verify_history``). Safe to run twice: the second run finds nothing old.

    What goes is the oldest run of the chain, by id, up to the first record
    still inside the period: two writers may have taken their times in one
    order and their ids in the other, and a gap in the middle of the chain
    would read as a removed row."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=audit_retention_days())
    first_kept = AuditRecord.objects.filter(created_at__gte=cutoff).order_by("pk").values_list("pk", flat=True)
    old = AuditRecord.objects.filter(created_at__lt=cutoff)
    if (boundary := first_kept.first()) is not None:
        old = old.filter(pk__lt=boundary)
    count = old.count()
    if not count:
        return 0
    last = old.order_by("-pk").values("pk", "sha256", "sm3").first()
    old.delete()
    audit_record(kind=AuditKind.AUDIT_PURGE, data={
        "removed": count, "before": cutoff.isoformat(), "last_removed_id": last["pk"],
        "last_removed_sha256": last["sha256"], "last_removed_sm3": last["sm3"],
    })
    return count
