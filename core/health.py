"""Health of the three parts: database, broker, worker.

Each check is bounded by a short timeout so that a dead part makes the
endpoint answer 503 quickly rather than hang.
"""

from django.db import connection

from config.celery_app import app

from .outbox import outbox_backlog


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_broker():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "transport": conn.transport_cls if isinstance(conn.transport_cls, str) else str(conn.transport_cls)}


def check_worker():
    replies = app.control.ping(timeout=1.5)
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        raise RuntimeError("no worker answered")
    return {"ok": True, "workers": workers}


def check_outbox():
    """Side effects waiting for the broker (core.outbox). Informative: a
    backlog is what a broker outage leaves, and the broker check says that."""
    return {"ok": True, **outbox_backlog()}


CHECKS = {"database": check_database, "broker": check_broker, "worker": check_worker, "outbox": check_outbox}


def health_report():
    report = {}
    for name, check in CHECKS.items():
        if name == "worker" and not report.get("broker", {}).get("ok"):
            report[name] = {"ok": False, "error": "broker unavailable"}
            continue
        if name == "outbox" and not report.get("database", {}).get("ok"):
            report[name] = {"ok": False, "error": "database unavailable"}
            continue
        try:
            report[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure is "down"
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    ok = all(part["ok"] for part in report.values())
    return ok, report
