"""Pre-filing tasks: ids in, one service call, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from . import services

TRANSIENT_ERRORS = (OSError, OperationalError)


@shared_task(name="prefilings.event_notify", autoretry_for=TRANSIENT_ERRORS, retry_backoff=10, max_retries=3,
             time_limit=60, soft_time_limit=50)
def prefiling_event_notify_task(event_id: int) -> int:
    return services.prefiling_event_notify(event_id=event_id)
