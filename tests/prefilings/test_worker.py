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
