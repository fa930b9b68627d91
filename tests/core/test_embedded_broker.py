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
