"""Beat tasks of the deadlines: thin, ids or nothing in, one service call."""

from celery import shared_task
from django.db import OperationalError

from .services import reminder_sweep


# Transient only: the database restarting, a deadlock victim, a dropped
# connection. The sweep is idempotent, so a retry just finishes the work.
@shared_task(
    name="deadlines.reminder_sweep",
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=15,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    max_retries=5,
    # A million clocks must fit; see bench/reminders.py for the figures.
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def reminder_sweep_task() -> dict:
    return reminder_sweep()
