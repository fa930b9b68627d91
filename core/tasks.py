import logging

from celery import shared_task
from celery.signals import task_postrun, worker_ready

from .idempotency import idempotency_keys_expire
from .outbox import outbox_add, outbox_add_many, outbox_mark_done, outbox_relay
from .storage import orphan_files_sweep

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Run ``task(*args)`` on a worker once the current transaction commits
    (at once when there is none), however long the broker is away.

    A row of the transactional outbox (``core.outbox``) is written in the
    caller's transaction: the step's change and its side effect commit
    together or not at all, a quick attempt right after commit sends it
    without ever holding up the request, and the relay (every minute) sends
    whatever a broker outage kept back. Call it inside the step's
    transaction, not from an on_commit hook (there it is written after the
    commit, in a transaction of its own)."""
    outbox_add(task.name, args)


def enqueue_each(task, args_list) -> None:
    """``enqueue(task, *args)`` for each ``args`` of ``args_list``, written
    with one insert."""
    outbox_add_many(task.name, [tuple(a) for a in args_list])


@shared_task(name="core.outbox_relay", ignore_result=True, time_limit=5 * 60, soft_time_limit=4 * 60)
def outbox_relay_task() -> dict:
    """Every minute (beat), and when a worker starts: send the outbox."""
    return outbox_relay()


@task_postrun.connect
def _outbox_done(sender=None, task_id=None, state=None, **kwargs):
    outbox_mark_done(task_id)


@worker_ready.connect
def _relay_on_start(sender=None, **kwargs):
    # What waited while no worker ran goes out now, not at the next minute.
    try:
        outbox_relay_task.apply_async(retry=False, ignore_result=True)
    except Exception:  # noqa: BLE001 - broker down: beat sends the relay later
        logger.warning("outbox: could not start the relay at worker start")


@shared_task(name="core.idempotency_keys_expire", ignore_result=True)
def idempotency_keys_expire_task() -> int:
    """Daily: Idempotency-Keys past IDEMPOTENCY_KEY_TTL_HOURS removed."""
    return idempotency_keys_expire()


@shared_task(name="core.ping")
def ping(value: str) -> str:
    """Round-trip check: the worker echoes ``value`` back."""
    return f"pong:{value}"


@shared_task(name="core.orphan_files_sweep")
def orphan_files_sweep_task() -> int:
    """Daily: remove stored files no row refers to (core.storage)."""
    return len(orphan_files_sweep())
