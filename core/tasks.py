import logging

from celery import shared_task

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Send a task, logging instead of raising when the broker is down.

    Used from on_commit hooks: the transition has committed, so a broker
    outage must not turn it into an error page; the periodic sweeps catch
    up on what was not sent.
    """
    try:
        task.delay(*args)
    except Exception:  # noqa: BLE001 - any broker failure
        logger.exception("could not enqueue %s%r", task.name, args)


@shared_task(name="core.ping")
def ping(value: str) -> str:
    """Round-trip check: the worker echoes ``value`` back."""
    return f"pong:{value}"


@shared_task(name="core.orphan_files_sweep")
def orphan_files_sweep_task() -> int:
    """Daily: remove stored files no row refers to (core.storage)."""
    from .storage import orphan_files_sweep

    return len(orphan_files_sweep())
