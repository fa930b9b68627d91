import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from deadlines.models import Reminder
from deadlines.services import clock_open
from deadlines.tasks import reminder_sweep_task
from notifications.models import Notification
from tests.conftest import worker_env
from tests.factories import make_case

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mail_worker(transactional_db, tmp_path):
    """A real ``celery worker`` on Redis against the test database, sending
    e-mail to files in a temporary folder and reading only its own queue."""

    from config.celery_app import app

    queue = f"deadlines-it-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = worker_env()
    env.update(
        DJANGO_SETTINGS_MODULE="tests.deadlines.worker_settings",
        RONGCUO_TEST_SETTINGS=os.environ["DJANGO_SETTINGS_MODULE"],
        EMAIL_FILE_PATH=str(outbox),
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    name = f"{queue}@%h"
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--loglevel=INFO", "--pool=solo",
         "--without-gossip", "--without-mingle", "-Q", queue, "-n", name],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail("worker exited: " + (tmp_path / "worker.log").read_text()[-2000:])
            replies = app.control.ping(timeout=0.5)
            if any(k.startswith(queue) for r in replies for k in r):
                break
            if time.monotonic() > deadline:
                pytest.fail("worker did not answer in 60 s")
        yield {"queue": queue, "outbox": outbox, "log": tmp_path / "worker.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.worker
@pytest.mark.embedded
def test_sweep_through_a_real_worker_notifies_and_emails(world, mail_worker):
    """The beat task, run by a real worker on Redis, escalates an overdue
    intake clock: intake and the supervisor get a notification each, the
    e-mail tasks it enqueues after commit run on the worker and the mails
    land in the outbox; a second run sends nothing more."""
    users = world["users"]
    case = make_case(applicant=users["applicant"], unit=world["units"]["huailai-edu"], stage="submitted",
                     title="集成测试案件")
    clock = clock_open(case=case, stage="intake", start=timezone.localdate() - dt.timedelta(days=40))
    assert clock.due_date < timezone.localdate()

    result = reminder_sweep_task.apply_async(queue=mail_worker["queue"]).get(timeout=60)
    assert result["sent"] == 1
    assert Reminder.objects.get(clock=clock).kind == "escalation"
    notes = Notification.objects.filter(case=case, kind="reminder:escalation")
    assert {n.recipient.username for n in notes} == {"intake", "supervisor"}

    deadline = time.monotonic() + 60
    while Notification.objects.filter(case=case, emailed_at__isnull=True).exists():
        assert time.monotonic() < deadline, mail_worker["log"].read_text()[-3000:]
        time.sleep(0.3)
    mails = "\n".join(p.read_text() for p in mail_worker["outbox"].iterdir())
    assert "To: intake@example.gov.cn" in mails and "To: supervisor@example.gov.cn" in mails
    assert mails.count("Subject:") == 2

    again = reminder_sweep_task.apply_async(queue=mail_worker["queue"]).get(timeout=60)
    assert again["sent"] == 0
    assert Notification.objects.filter(case=case).count() == 2
