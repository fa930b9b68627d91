"""The render queued on commit, run by a real Celery worker on Redis."""

import time

import pytest

from letters.models import Letter
from letters.services import letter_issue

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_renders_the_letter_after_commit(celery_worker_proc, letter_case, users):
    """letter_issue commits a pending letter; the worker picks up the task
    and the letter becomes ready with its hash and template version."""
    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        letter.refresh_from_db()
        if letter.status != Letter.Status.PENDING:
            break
        time.sleep(0.2)
    assert letter.status == Letter.Status.READY, letter.error
    assert len(letter.sha256) == 64 and letter.template_version
    assert letter.attempts == 1
