from celery import shared_task

from .services import audit_purge


@shared_task(name="audit.purge_old")
def audit_purge_task() -> int:
    """Daily: remove audit records past the retention period. Safe to run
    twice (the second run finds nothing old)."""
    return audit_purge()
