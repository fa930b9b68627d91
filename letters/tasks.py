"""Letter rendering in the worker: an id in, one service call.

WeasyPrint is slow to start, so each worker process warms the fonts and the
stylesheet once, when it starts (``worker_process_init``), not per letter.
"""

import logging

from celery import Task, shared_task
from celery.signals import worker_process_init
from django.db import OperationalError

from . import rendering, services
from .models import Letter

logger = logging.getLogger(__name__)

# Transient: the disk, the network or the database briefly unavailable
# (OSError covers ConnectionError and TimeoutError). A letter that cannot be
# rendered as it stands (template error, missing glyph) is not retried: it
# fails at once with its error, and an admin regenerates it after the fix.
TRANSIENT_ERRORS = (OSError, OperationalError)


class LetterRenderTask(Task):
    def on_retry(self, exc, task_id, args, kwargs, einfo):
        services.letter_mark_failed(letter_id=args[0], error=f"{type(exc).__name__}: {exc}", final=False)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # The final failure (retries exhausted, or an unexpected error).
        services.letter_mark_failed(letter_id=args[0], error=f"{type(exc).__name__}: {exc}")


@shared_task(
    bind=True,
    base=LetterRenderTask,
    name="letters.letter_render",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=10,  # about 10 s, 20 s, 40 s with jitter
    retry_backoff_max=5 * 60,
    retry_jitter=True,
    max_retries=3,
    # A one-page letter renders in seconds: a render still running after a
    # minute is stuck. The hard limit is also how long the outbox waits
    # before it counts a render lost with a killed worker (core.outbox).
    time_limit=60,
    soft_time_limit=50,
)
def letter_render(self, letter_id: int) -> str:
    try:
        letter = services.letter_render(letter_id=letter_id)
    except Letter.DoesNotExist:
        # Issued in a transaction that was rolled back after all.
        return "missing"
    except rendering.LetterRenderError as exc:
        services.letter_mark_failed(letter_id=letter_id, error=str(exc))
        return "failed"
    return letter.status


@shared_task(name="letters.pending_sweep")
def letter_pending_sweep_task() -> int:
    """Every minute: letters whose render never ran are sent again."""
    return len(services.letter_pending_sweep())


@worker_process_init.connect
def _warm_renderer(**kwargs):
    try:
        rendering.warm()
    except rendering.LetterRenderError as exc:  # fonts missing: said once, each letter fails with it
        logger.warning("letters: %s", exc)
    except Exception:  # the first letter will report the problem itself
        logger.exception("letters: could not warm the renderer")
