"""The transactional outbox (core.outbox): a broker outage delays side
effects and loses none; each is delivered once.

The outage test starts a Redis of its own on a free port, points a real
worker and this process at it, stops it, takes steps, starts it again and
watches everything arrive."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from cases import services
from cases.models import Case, CaseEvent
from config.celery_app import app
from core import outbox
from core.models import OutboxMessage
from core.outbox import outbox_relay, send_now
from letters.models import Letter
from notifications.models import Notification
from tests.cases.conftest import fill_draft

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir, self.proc = port, workdir, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private redis did not start")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


def _point_app_at(url: str) -> str:
    """Send this process's tasks and control messages to ``url``; returns
    the previous URL. The cached connection pools go with the old one."""
    old = app.conf.broker_url
    app.conf.broker_url = url
    app._pool = None
    app.__dict__.get("amqp") and setattr(app.amqp, "_producer_pool", None)
    return old


@pytest.fixture
def private_broker(transactional_db, tmp_path):
    """A Redis of this test's own, a worker on it, and this process's Celery
    app sending to it."""
    redis = PrivateRedis(_free_port(), tmp_path)
    redis.start()
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=redis.url,
    )
    old_broker = _point_app_at(redis.url)
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115
    name = f"outbox-{os.getpid()}@{socket.gethostname()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--loglevel=INFO", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", name,
         "-Q", app.conf.task_default_queue],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        with app.connection_for_write(redis.url) as conn:
            while not app.control.ping(destination=[name], timeout=0.5, connection=conn):
                if worker.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("worker did not start: " + log_path.read_text()[-3000:])
        yield {"redis": redis, "worker": worker, "log": log_path}
    finally:
        _point_app_at(old_broker)
        outbox._last_failure[0] = 0.0  # the next test's quick attempts are made
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        redis.stop()


def _wait(predicate, what: str, log: Path, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout} s; worker log:\n" + log.read_text()[-4000:])
        time.sleep(0.3)


@pytest.mark.worker
def test_broker_outage_delays_side_effects_and_loses_none(private_broker, users):
    """Redis stops; an application is filed, forwarded and accepted (events
    to notify, a letter to render): every step succeeds and its side effects
    wait in the outbox. Redis starts again; the worker, still alive, runs
    each of them exactly once: the letter is ready, every event notified."""
    redis, worker, log = private_broker["redis"], private_broker["worker"], private_broker["log"]
    applicant, reviewer, intake = users["applicant"], users["unit_reviewer"], users["intake"]
    first_row = (OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)

    redis.stop()
    case = services.case_create(actor=applicant, title="断线期间提交的申请")
    fill_draft(case, applicant)
    services.case_submit(case=case, actor=applicant)
    services.case_unit_forward(case=case, actor=reviewer, meeting_date=case.created_at.date(),
                               participants="王芳、李明", opinion="同意报送。")
    services.case_accept(case=case, actor=intake)

    rows = OutboxMessage.objects.filter(pk__gt=first_row)
    events = list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True))
    assert rows.count() >= len(events) + 1  # one notification task per event, one render
    assert not rows.filter(sent_at__isnull=False).exists()
    assert all(r.last_error for r in rows)  # the quick attempt after commit failed, and said why
    letter = Letter.objects.get(case=case, kind="acceptance")
    assert letter.status == Letter.Status.PENDING
    assert outbox_relay()["sent"] == 0  # still down: the relay keeps them too
    assert worker.poll() is None, "the worker died with the broker"

    redis.start()
    result = outbox_relay()
    assert result["sent"] == rows.count() and result["unsent"] == 0

    _wait(lambda: Letter.objects.get(pk=letter.pk).status == Letter.Status.READY, "letter not ready", log)
    _wait(lambda: not OutboxMessage.objects.filter(pk__gt=first_row, done_at__isnull=True).exists(),
          "outbox rows not run", log)
    notified = set(Notification.objects.filter(case=case).values_list("event_id", flat=True))
    assert {e for e in events if e in notified}, "no event notified"
    for event_id in events:
        # Each event's task ran (its row is done); those with an audience
        # notified it once per recipient.
        pairs = list(Notification.objects.filter(event_id=event_id).values_list("recipient_id", flat=True))
        assert len(pairs) == len(set(pairs))
    text = log.read_text()
    for row in OutboxMessage.objects.filter(pk__gt=first_row, task__in=["letters.letter_render",
                                                                          "notifications.case_event_notify"]):
        assert row.sends == 1
        runs = re.findall(rf"\[outbox-{row.pk}\] succeeded", text)
        assert len(runs) == 1, (row, runs)
    assert worker.poll() is None


@pytest.mark.django_db(transaction=True)
def test_a_refused_step_leaves_no_outbox_row(users):
    """The outbox row is part of the step's transaction: a step that fails
    after its event was written leaves neither."""
    from cases.models import Attachment
    from core.exceptions import ApplicationError

    case = services.case_create(actor=users["applicant"], title="申请")
    before = OutboxMessage.objects.count()
    events = CaseEvent.objects.count()
    with pytest.raises(ApplicationError):
        services.case_submit(case=case, actor=users["applicant"])  # incomplete
    assert OutboxMessage.objects.count() == before and CaseEvent.objects.count() == events
    assert Attachment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_quick_attempt_gives_up_at_once_and_relay_sends_later(users):
    """With nothing listening on the broker's port, the attempt after commit
    fails and records why; the row waits. Sending it again once the broker
    is back (here: the suite's Redis) marks it sent, once."""
    old = _point_app_at(f"redis://127.0.0.1:{_free_port()}/0")
    try:
        case = services.case_create(actor=users["applicant"], title="申请")
    finally:
        _point_app_at(old)
    row = OutboxMessage.objects.order_by("-pk").first()
    assert row.task == "notifications.case_event_notify"
    assert row.args == [CaseEvent.objects.get(case=case).pk]
    assert row.sent_at is None and "Error" in row.last_error
    assert send_now(row.pk) is False  # the broker refused a moment ago: not tried again at once
    outbox._last_failure[0] = 0.0
    assert send_now(row.pk) is True
    assert send_now(row.pk) is False  # already sent: not twice
    row.refresh_from_db()
    assert row.sent_at is not None and row.sends == 1
    assert Case.objects.filter(pk=case.pk).exists()
    app.control.purge()


@pytest.mark.django_db(transaction=True)
def test_a_message_lost_with_a_worker_is_sent_again_unless_it_waits_in_the_queue(users, monkeypatch):
    """Sent longer ago than its task's hard time limit and never done: while
    its message still waits in the queue (no worker here) the relay leaves
    it; once the queue no longer holds it (the worker that took it died) the
    relay sends it again, once, and other queued messages (beat's) do not
    hold that back."""
    import datetime as dt

    from django.utils import timezone

    # A queue no worker reads: the suite's session worker (started by an
    # earlier test) would otherwise take the message the test means to wait.
    queue = f"{app.conf.task_default_queue}-unread"
    monkeypatch.setitem(app.conf, "task_default_queue", queue)

    def purge():
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)

    purge()
    case = services.case_create(actor=users["applicant"], title="申请")
    row = OutboxMessage.objects.get(task="notifications.case_event_notify",
                                    args=[CaseEvent.objects.get(case=case).pk])
    assert row.sent_at is not None  # the quick attempt sent it: it waits in the queue
    OutboxMessage.objects.filter(pk=row.pk).update(sent_at=timezone.now() - dt.timedelta(minutes=5))
    assert outbox_relay()["resent"] == 0
    purge()  # taken by a worker that was killed
    app.send_task("core.ping", args=["beat's task, queued beside"], ignore_result=True)
    assert outbox_relay()["resent"] == 1
    row.refresh_from_db()
    assert row.sends == 2 and row.done_at is None
    assert outbox_relay()["resent"] == 0  # sent again just now: its lease starts over
    purge()
