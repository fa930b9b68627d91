"""Thin tasks: ids in, one service call. Every service is idempotent, so a
redelivered task (acks late, worker lost) does no harm."""

import smtplib

from celery import shared_task
from django.db import OperationalError

from core.tasks import enqueue_each

from . import selectors, services

# Transient: the mail server, the network or the database is briefly
# unavailable. Anything else (a bug, bad data) fails at once instead of
# retrying for an hour.
TRANSIENT_ERRORS = (
    smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError, OperationalError,
)
RETRY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 30,  # about 30 s, 60 s, 120 s ... with jitter
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 8,
    # Each run is one event or one e-mail (EMAIL_TIMEOUT 20 s): a minute is
    # ample, and is how long the outbox waits before it counts a run lost
    # with a killed worker (core.outbox).
    "time_limit": 60,
    "soft_time_limit": 50,
}


@shared_task(name="notifications.case_event_notify", **RETRY)
def case_event_notify_task(event_id: int) -> int:
    return len(services.case_event_notify(event_id=event_id))


@shared_task(name="notifications.email_send", **RETRY)
def notification_email_send_task(notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.digest_send", **RETRY)
def notification_digest_send_task(user_id: int) -> int:
    return services.notification_digest_send(user_id=user_id)


@shared_task(name="notifications.digest_send_all", **RETRY)
def notification_digest_send_all_task() -> int:
    """Daily (beat): one digest task per user who has something pending."""
    ids = selectors.notification_digest_user_ids()
    enqueue_each(notification_digest_send_task, [(user_id,) for user_id in ids])
    return len(ids)
