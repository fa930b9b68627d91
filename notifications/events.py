"""Notifications subscribe to the case history (core.events): every case
event reaches ``services.case_event_notify`` through a task queued in the
step's own transaction (the outbox); whom it concerns is the audience its
kind was registered with."""

from core.events import CASE, subscribe
from core.tasks import enqueue

from . import tasks


def _on_case_event(event_id: int) -> None:
    enqueue(tasks.case_event_notify_task, event_id)


subscribe(CASE, _on_case_event)
