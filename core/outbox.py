"""The transactional outbox: side effects that a broker outage only delays.

``core.tasks.enqueue`` writes an ``OutboxMessage`` row in the caller's
transaction (the step's own), so the change and its side effects commit
together or not at all. Delivery to the broker:

* right after commit, one quick attempt in the request (``send_now``): a
  fresh connection with a connect timeout of half a second and no publish
  retries, so that a dead broker costs a step well under a second;
* every minute, and when a worker starts, ``outbox_relay`` (a worker task
  run by beat) sends whatever is still unsent, oldest first;
* a row sent but never run to an outcome (its worker was killed holding it)
  is sent again once the task's hard time limit has passed and it is not
  waiting in the queue (read on Redis; elsewhere: once the queue is empty):
  Redis would give it back only after the visibility timeout, sized to the
  longest task (half an hour).
  Tasks are idempotent, so a second delivery does no harm.

The worker marks a row done when its task ends (``task_postrun``): the task
id of an outbox message is ``outbox-<row id>``.
"""

import datetime as dt
import logging
import time
import uuid

from celery import current_app as app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
# A sender that claimed a row and did not finish within this time died.
CLAIM_TTL = dt.timedelta(seconds=60)
# A lost row is sent at most this many extra times.
MAX_SENDS = 4
BATCH = 500
# Sent rows are kept this long (for the admin and the fault bench).
KEEP = dt.timedelta(days=7)


def outbox_add(task_name: str, args) -> OutboxMessage:
    """Record a task to send (in the current transaction, if any), and try
    to send it as soon as that transaction commits (at once without one)."""
    row = OutboxMessage.objects.create(task=task_name, args=list(args))
    transaction.on_commit(lambda: send_now(row.pk), robust=True)
    return row


def outbox_add_many(task_name: str, args_list) -> list[OutboxMessage]:
    """``outbox_add`` for many messages of one task: one insert."""
    rows = OutboxMessage.objects.bulk_create([OutboxMessage(task=task_name, args=list(a)) for a in args_list])
    pks = [r.pk for r in rows]
    transaction.on_commit(lambda: [send_now(pk) for pk in pks], robust=True)
    return rows


def _connection(*, fast: bool):
    """A broker connection of its own. ``fast``: the attempt made in a
    request, bounded to about a second even when the broker host does not
    answer at all."""
    options = dict(app.conf.broker_transport_options or {})
    if fast:
        # No reconnection loop either: kombu waits interval_start (2 s)
        # before its second attempt, which alone would exceed the budget.
        options.update(socket_connect_timeout=0.5, socket_timeout=1.0, max_retries=0, interval_start=0,
                       interval_step=0, interval_max=0)
    return app.connection_for_write(connect_timeout=0.5 if fast else 3, transport_options=options)


def _publish(conn, row: OutboxMessage) -> None:
    if app.conf.task_always_eager:
        # Celery's eager mode (some tests): run it here, as .delay() would.
        app.tasks[row.task].apply(args=row.args, task_id=f"{TASK_ID_PREFIX}{row.pk}")
        outbox_mark_done(f"{TASK_ID_PREFIX}{row.pk}")
        return
    # ignore_result: nobody waits for these results, and asking for one
    # would make the sender subscribe to the result backend (a second
    # connection that can hang when Redis is down).
    app.send_task(row.task, args=row.args, task_id=f"{TASK_ID_PREFIX}{row.pk}", connection=conn,
                  retry=False, ignore_result=True)


def _claim(filter_q: Q, *, now, limit: int) -> tuple[str, list[OutboxMessage]]:
    token = uuid.uuid4().hex
    ids = list(OutboxMessage.objects.filter(filter_q).order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return token, []
    # The filter again in the UPDATE: a row another sender took meanwhile
    # is not taken twice.
    OutboxMessage.objects.filter(filter_q, pk__in=ids).update(claim=token, claimed_at=now)
    return token, list(OutboxMessage.objects.filter(claim=token).order_by("pk"))


def _unclaimed(now) -> Q:
    return Q(sent_at__isnull=True) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TTL))


def _mark_sent(pks: list[int], token: str, now) -> None:
    if pks:
        OutboxMessage.objects.filter(pk__in=pks, claim=token).update(
            sent_at=now, sends=F("sends") + 1, claim="", claimed_at=None, last_error="")


def _release(pks: list[int], token: str, error: str) -> None:
    if pks:
        OutboxMessage.objects.filter(pk__in=pks, claim=token).update(
            claim="", claimed_at=None, last_error=error[:500])


# After a failed quick attempt this process makes none for a while: a step
# writing several rows (events, a letter, e-mails) while the broker is down
# pays for one refused connection, not one per row.
QUIET_AFTER_FAILURE = 5.0
_last_failure = [0.0]


def send_now(pk: int) -> bool:
    """The attempt right after commit. Never raises and never waits long: on
    any failure the row stays for the relay."""
    if time.monotonic() - _last_failure[0] < QUIET_AFTER_FAILURE:
        try:
            OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).update(
                last_error="not tried: the broker refused a moment ago")
        except Exception:  # noqa: BLE001 - the database itself failed after commit
            logger.exception("outbox: could not note message %s", pk)
        return False
    now = timezone.now()
    try:
        token, rows = _claim(Q(pk=pk) & _unclaimed(now), now=now, limit=1)
        if not rows:
            return False
        try:
            with _connection(fast=True) as conn:
                _publish(conn, rows[0])
        except Exception as exc:  # noqa: BLE001 - any broker failure: the relay sends it later
            _last_failure[0] = time.monotonic()
            _release([pk], token, f"{type(exc).__name__}: {exc}")
            logger.warning("outbox: %s#%s not sent now (%s); the relay will send it", rows[0].task, pk,
                           type(exc).__name__)
            return False
        _mark_sent([pk], token, now)
        return True
    except Exception:  # noqa: BLE001 - the database itself failed after commit
        logger.exception("outbox: could not send message %s now", pk)
        return False


def _lease(task_name: str) -> dt.timedelta:
    """How long a sent task may take before it counts as lost: its hard time
    limit (after which Celery has killed it anyway)."""
    task = app.tasks.get(task_name)
    limit = getattr(task, "time_limit", None) or settings.CELERY_TASK_TIME_LIMIT
    return dt.timedelta(seconds=limit)


# How many queued messages the relay reads to see whether a message is
# still waiting (Redis: one LRANGE per priority list).
SCAN_LIMIT = 20000


def _waiting_task_ids(conn) -> set[str] | None:
    """The task ids of the outbox messages waiting in the default queue, on
    Redis (the broker in production); None elsewhere, or when the queue is
    longer than SCAN_LIMIT (then the relay resends only when it is empty).
    Beat's own tasks, published in the same second as the relay, no longer
    hold the resend back."""
    import json

    if conn.transport_cls not in ("redis", "rediss") and "redis" not in type(conn.transport).__module__:
        return None
    try:
        channel = conn.default_channel
        client = channel.client
        queue = app.conf.task_default_queue
        keys = [channel._q_for_pri(queue, pri) for pri in channel.priority_steps]
        ids: set[str] = set()
        for key in dict.fromkeys(keys):
            if client.llen(key) > SCAN_LIMIT:
                return None
            for raw in client.lrange(key, 0, SCAN_LIMIT):
                task_id = json.loads(raw).get("headers", {}).get("id", "")
                if task_id.startswith(TASK_ID_PREFIX):
                    ids.add(task_id)
        return ids
    except Exception:  # noqa: BLE001 - unknown: fall back to the empty-queue rule
        logger.warning("outbox relay: could not read the queue", exc_info=True)
        return None


def _queue_empty(conn) -> bool:
    """Nothing waits in the default queue (so a sent but unfinished message
    is not waiting there either: it was lost with a worker)."""
    try:
        channel = conn.default_channel
        _name, count, _consumers = channel.queue_declare(app.conf.task_default_queue, passive=True)
    except conn.channel_errors:
        return True  # Redis drops an empty list: no queue is an empty queue
    except Exception:  # noqa: BLE001 - unknown: do not send anything again
        return False
    return count == 0


def outbox_relay(*, batch: int = BATCH) -> dict:
    """Send what is unsent, oldest first; send again what was lost. Returns
    counts. Safe to run twice at once: rows are claimed before sending."""
    now = timezone.now()
    result = {"sent": 0, "resent": 0, "unsent": 0}
    token, rows = _claim(_unclaimed(now), now=now, limit=batch)
    sent: list[int] = []
    try:
        with _connection(fast=False) as conn:
            for row in rows:
                _publish(conn, row)
                sent.append(row.pk)
            result["resent"] = _resend_lost(conn, now)
    except Exception as exc:  # noqa: BLE001 - broker down: try again next minute
        _release([r.pk for r in rows if r.pk not in sent], token, f"{type(exc).__name__}: {exc}")
        logger.warning("outbox relay: broker unavailable (%s: %s)", type(exc).__name__, exc)
    _mark_sent(sent, token, now)
    result["sent"] = len(sent)
    result["unsent"] = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    OutboxMessage.objects.filter(created_at__lt=now - KEEP).filter(
        Q(done_at__isnull=False) | Q(sends__gte=MAX_SENDS)).delete()
    if result["sent"] or result["resent"]:
        logger.info("outbox relay: %s", result)
    return result


def _resend_lost(conn, now) -> int:
    candidates = list(
        OutboxMessage.objects.filter(sent_at__isnull=False, done_at__isnull=True, sends__lt=MAX_SENDS,
                                     claim="").order_by("sent_at", "pk")[:BATCH]
    )
    lost = [r for r in candidates if r.sent_at + _lease(r.task) < now]
    if not lost:
        return 0
    waiting = _waiting_task_ids(conn)
    if waiting is None:
        if not _queue_empty(conn):
            return 0
    else:
        # Still in the queue: waiting its turn, not lost. A message taken by
        # a worker and not finished within its hard time limit was lost
        # with that worker (a live one would have ended or killed it).
        lost = [r for r in lost if f"{TASK_ID_PREFIX}{r.pk}" not in waiting]
        if not lost:
            return 0
    token = uuid.uuid4().hex
    OutboxMessage.objects.filter(pk__in=[r.pk for r in lost], done_at__isnull=True, claim="").update(
        claim=token, claimed_at=now)
    mine = list(OutboxMessage.objects.filter(claim=token).order_by("pk"))
    done = []
    try:
        for row in mine:
            _publish(conn, row)
            done.append(row.pk)
    finally:
        _mark_sent(done, token, now)
        _release([r.pk for r in mine if r.pk not in done], token, "resend interrupted")
    if done:
        logger.warning("outbox relay: sent again %d message(s) lost with a worker: %s", len(done), done)
    return len(done)


def outbox_mark_done(task_id: str | None) -> None:
    """The worker ran an outbox task to an outcome (task_postrun)."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return
    try:
        pk = int(task_id[len(TASK_ID_PREFIX):])
    except ValueError:
        return
    try:
        OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(done_at=timezone.now())
    except Exception:  # noqa: BLE001 - the database is down: the row is sent again later, harmlessly
        logger.warning("outbox: could not mark %s done", task_id)


def outbox_backlog() -> dict:
    """For /healthz: how many rows wait to be sent, and since when."""
    oldest = (OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk")
              .values_list("created_at", flat=True).first())
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True).count() if oldest else 0
    age = (timezone.now() - oldest).total_seconds() if oldest else 0
    return {"unsent": waiting, "oldest_seconds": round(age)}
