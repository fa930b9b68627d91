"""The `make run` set-up: SQLite and Kombu's filesystem broker, no servers."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PING = """
import django, sys
django.setup()
from core.tasks import ping
from core.health import health_report
print(ping.delay("往返").get(timeout=60))
ok, report = health_report()
print("HEALTH", ok, sorted(k for k, v in report.items() if v["ok"]))
"""


@pytest.mark.worker
def test_task_round_trips_through_the_filesystem_broker(tmp_path):
    """With the local settings (SQLite, filesystem broker, django-db
    results) a real worker runs a task and the result comes back; the
    health report sees database, broker and worker."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_VAR_DIR=str(tmp_path))
    for d in ("broker/queue", "broker/control", "broker/processed"):
        (tmp_path / d).mkdir(parents=True)
    run = lambda *a, **kw: subprocess.run([sys.executable, *a], cwd=ROOT, env=env, capture_output=True,  # noqa: E731
                                          text=True, timeout=300, **kw)
    migrated = run("manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "-n", "embedded@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(2)
        result = run("-c", PING)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "pong:往返" in result.stdout
    assert "HEALTH True ['broker', 'database', 'outbox', 'worker']" in result.stdout
    assert (tmp_path / "db.sqlite3").exists()


@pytest.mark.embedded
def test_filesystem_broker_shows_only_whole_messages(tmp_path):
    """A consumer polling the queue folder while messages are written never
    reads one half written (kombu's own channel creates the file before it
    writes it, and a worker that read the empty file stopped with
    JSONDecodeError): config.broker writes aside and renames into place."""
    import threading

    from kombu import Connection
    from kombu.transport.virtual import Empty

    from config.broker import Transport

    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(tmp_path)}
    body = "字" * 200_000  # large enough that a write takes a while
    count = 200
    got, errors = [], []

    def consume():
        with Connection("filesystem://", transport=Transport, transport_options=options) as conn:
            channel = conn.channel()
            deadline = time.monotonic() + 60
            while len(got) < count and time.monotonic() < deadline:
                try:
                    got.append(channel._get("q"))
                except Empty:
                    pass
                except Exception as exc:  # noqa: BLE001 - the failure this test is about
                    errors.append(exc)
                    return

    reader = threading.Thread(target=consume)
    reader.start()
    with Connection("filesystem://", transport=Transport, transport_options=options) as conn:
        channel = conn.channel()
        for i in range(count):
            channel._put("q", {"n": i, "body": body})
    reader.join(timeout=90)
    assert errors == []
    # (Kombu orders by the millisecond of writing: within one, by chance.)
    assert sorted(m["n"] for m in got) == list(range(count))
    assert all(m["body"] == body for m in got)
