import pytest

from config.celery_app import app


@pytest.mark.django_db
def test_healthz_reports_503_when_broker_down(client):
    """With the broker unreachable, /healthz answers 503 and says which part
    is down (the database is still fine)."""
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        resp = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["worker"]["ok"] is False


@pytest.mark.worker
def test_healthz_ok_and_task_round_trip(transactional_db, client, celery_worker_proc):
    """With PostgreSQL, Redis and a real worker up, /healthz is 200 and a task
    round-trips through the broker and back."""
    from core.tasks import ping

    assert ping.delay("你好").get(timeout=30) == "pong:你好"
    resp = client.get("/healthz")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"] and body["worker"]["ok"]
    assert body["worker"]["workers"]
