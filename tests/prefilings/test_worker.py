"""The registration letter and the event notifications through a real
Celery worker on Redis (enqueued after commit)."""

import time

import pytest

from letters.models import Letter
from notifications.models import Notification
from prefilings import services

from .conftest import make_draft

pytestmark = [pytest.mark.worker, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


def test_registration_renders_the_letter_in_the_worker(world, celery_worker_proc):
    """Registering enqueues the render after commit; the worker stores the PDF and notifies the unit."""
    users = world["users"]
    filing = make_draft(users["applicant"])
    services.prefiling_submit(filing=filing, actor=users["applicant"])
    services.prefiling_register(filing=filing, actor=users["intake"])
    deadline = time.monotonic() + 60
    letter = Letter.objects.get(prefiling=filing)
    while time.monotonic() < deadline:
        letter.refresh_from_db()
        if letter.status != Letter.Status.PENDING and Notification.objects.filter(
                kind="prefiling:registered").exists():
            break
        time.sleep(0.3)
    assert letter.status == Letter.Status.READY, letter.error
    assert len(letter.sha256) == 64
    assert set(Notification.objects.filter(kind="prefiling:registered").values_list(
        "recipient__username", flat=True)) >= {"applicant", "unit_reviewer", "inspector1"}
    assert set(Notification.objects.filter(kind="prefiling:submitted").values_list(
        "recipient__username", flat=True)) == {"intake"}


def test_review_reminders_come_from_the_clocks_sweep_in_the_worker(world, celery_worker_proc):
    """A filing submitted weeks ago: the clocks' beat task, run by the real
    worker, escalates its overdue review to intake and the supervisor, once."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from deadlines.models import Reminder
    from deadlines.tasks import reminder_sweep_task

    users = world["users"]
    filing = make_draft(users["applicant"])
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        services.prefiling_submit(filing=filing, actor=users["applicant"])
    filing.refresh_from_db()
    assert filing.review_due < timezone.localdate()

    first = reminder_sweep_task.delay().get(timeout=60)
    second = reminder_sweep_task.delay().get(timeout=60)
    assert first["sent"] >= 1 and second["sent"] == 0
    reminder = Reminder.objects.get(clock__subject="prefiling", clock__subject_pk=filing.pk)
    assert reminder.kind == "escalation"
    assert set(reminder.recipients.values_list("username", flat=True)) == {"intake", "supervisor"}
    assert set(Notification.objects.filter(kind="reminder:escalation").values_list(
        "recipient__username", flat=True)) == {"intake", "supervisor"}
