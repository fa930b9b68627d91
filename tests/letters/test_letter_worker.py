"""The render queued on commit, run by a real Celery worker on Redis."""

import time

import pytest

from letters.models import Letter
from letters.services import letter_issue

pytestmark = [pytest.mark.worker, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


def _wait_ready(letter):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        letter.refresh_from_db()
        if letter.status != Letter.Status.PENDING:
            break
        time.sleep(0.2)
    assert letter.status == Letter.Status.READY, letter.error


def test_worker_renders_the_letter_after_commit(celery_worker_proc, letter_case, users):
    """letter_issue commits a pending letter; the worker picks up the task
    and the letter becomes ready with its hash and template version."""
    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    _wait_ready(letter)
    assert len(letter.sha256) == 64 and letter.template_version
    assert letter.attempts == 1


def test_a_letter_whose_render_was_lost_is_swept(celery_worker_proc, letter_case, users):
    """A letter left pending with no task on its way (the broker was down at
    commit, or the message was lost): once old enough, the sweep sends the
    render again and the worker makes it ready; a second sweep sends nothing."""
    import datetime as dt

    from django.utils import timezone

    from core.models import OutboxMessage
    from letters.services import letter_pending_sweep

    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    _wait_ready(letter)
    # The worker marks the outbox row done just after the render returns.
    deadline = time.monotonic() + 30
    while OutboxMessage.objects.filter(task="letters.letter_render", args=[letter.pk], done_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the render's outbox row was never marked done"
        time.sleep(0.2)
    # Back to the state a lost task leaves behind.
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.PENDING, file="", sha256="",
                                               template_version="", rendered_at=None)
    assert letter_pending_sweep() == []  # too young: its task may be on its way
    Letter.objects.filter(pk=letter.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert letter_pending_sweep() == [letter.pk]
    _wait_ready(letter)
    assert len(letter.sha256) == 64 and letter.file
    assert letter_pending_sweep() == []
