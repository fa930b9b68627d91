"""Pre-filing tasks: ids in, one service call, safe to run twice."""

from celery import Task, shared_task
from django.db import OperationalError

TRANSIENT_ERRORS = (OSError, OperationalError)


@shared_task(
    name="prefilings.reminder_sweep",
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=15,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    max_retries=5,
)
def prefiling_reminder_sweep_task() -> dict:
    from .services import prefiling_reminder_sweep

    return prefiling_reminder_sweep()


@shared_task(name="prefilings.event_notify", autoretry_for=TRANSIENT_ERRORS, retry_backoff=10, max_retries=3)
def prefiling_event_notify_task(event_id: int) -> int:
    from .services import prefiling_event_notify

    return prefiling_event_notify(event_id=event_id)


class LetterTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # The final failure (retries exhausted, or an unexpected error).
        from .services import prefiling_letter_mark_failed

        prefiling_letter_mark_failed(letter_id=args[0], error=f"{type(exc).__name__}: {exc}")


@shared_task(
    bind=True,
    base=LetterTask,
    name="prefilings.letter_render",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=10,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
    max_retries=3,
)
def prefiling_letter_render_task(self, letter_id: int) -> str:
    from letters.rendering import LetterRenderError

    from .models import PreFilingLetter
    from .services import prefiling_letter_mark_failed, prefiling_letter_render

    try:
        letter = prefiling_letter_render(letter_id=letter_id)
    except PreFilingLetter.DoesNotExist:
        return "missing"  # issued in a transaction that was rolled back
    except LetterRenderError as exc:
        # Retrying does not help a template error or a missing glyph.
        prefiling_letter_mark_failed(letter_id=letter_id, error=str(exc))
        return "failed"
    return letter.status
