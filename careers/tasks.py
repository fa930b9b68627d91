"""Celery tasks of careers: thin, ids in, one service call."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="careers.obligations_open", autoretry_for=(OperationalError,), retry_backoff=15, max_retries=5)
def obligations_open_task(case_id: int) -> int:
    """After a ruling: its result uses reach the organization department
    (idempotent: a second run finds them sent)."""
    from .services import obligations_open

    return len(obligations_open(case_id=case_id))


@shared_task(name="careers.obligations_sweep", autoretry_for=(OperationalError,), retry_backoff=15, max_retries=5)
def obligations_sweep_task() -> int:
    """Beat: rulings whose uses were not sent yet (a lost task), and uses of
    rulings a review replaced."""
    from .services import obligations_open_sweep

    return obligations_open_sweep()


@shared_task(name="careers.obligations_open_for_event", autoretry_for=(OperationalError,), retry_backoff=15,
             max_retries=5)
def obligations_open_for_event_task(event_id: int) -> int:
    """After a ruling or a review decision (its case event)."""
    from cases.models import CaseEvent

    from .services import obligations_open

    case_id = CaseEvent.objects.filter(pk=event_id).values_list("case_id", flat=True).first()
    return len(obligations_open(case_id=case_id)) if case_id else 0
