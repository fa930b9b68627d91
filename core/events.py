"""The one registry of history event kinds, and the hand-off to whoever
listens once an event is written.

Each app that writes events registers its kinds in its ``events`` module
(found at start-up by ``core.apps``): the label the timeline prints, the
audience the notifications resolve (tokens of ``notifications.selectors``
for case events, the owner's own tokens for other subjects), and whether the
details are internal (for the handling staff only). A kind is keyed by its
subject ("case", "prefiling"): the same code may mean a different step on
another kind of record.

The history writers (``cases.services.case_event_record``,
``prefilings.services`` ``_event``) call ``event_written`` after inserting
the row; the subscribers (notifications) run at once, in the writer's
transaction, and only enqueue their work (``core.tasks.enqueue``: a row of
the transactional outbox), so a rolled back step notifies nobody and a
committed one loses no notification, whatever the broker does. A writer
refuses a kind nobody registered for its subject (``event_kind_require``),
and the system checks (``core.event_checks``) find, before start-up, kinds
that the code writes or a step declares but nobody registered for the
subject it is written on.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

CASE = "case"


@dataclass(frozen=True)
class EventKindSpec:
    subject: str
    kind: str
    label: object
    audience: tuple[str, ...]
    internal: bool
    app: str


EVENT_KINDS: dict[tuple[str, str], EventKindSpec] = {}
SUBSCRIBERS: dict[str, list[Callable[[int], None]]] = defaultdict(list)


# Kinds registered without an audience, waiting for the step that writes
# them to declare it (core.steps.Step.audience): the system check
# ``core.E003`` fails on any still waiting after start-up.
AUDIENCE_PENDING: dict[tuple[str, str], str] = {}


def register_events(*, app: str, choices, audience: dict, internal: Iterable = (), subject: str = CASE) -> None:
    """Register every member of the TextChoices ``choices``. Each member
    needs an audience (an empty tuple: nobody is notified), so no kind
    falls silently to a default: named here, or declared by the step that
    writes it (``Step.audience``, registered with ``event_audience_set``)."""
    internal = {str(k) for k in internal}
    audience = {str(k): tuple(v) for k, v in audience.items()}
    for value, label in choices.choices:
        known = EVENT_KINDS.get((subject, value))
        found = audience.get(value, known.audience if known and (subject, value) not in AUDIENCE_PENDING else None)
        EVENT_KINDS[(subject, value)] = EventKindSpec(subject, value, label, found or (), value in internal, app)
        if found is None:
            AUDIENCE_PENDING[(subject, value)] = app
        else:
            AUDIENCE_PENDING.pop((subject, value), None)


def event_audience_set(kind: str, audience, subject: str = CASE) -> None:
    """The audience of a registered kind, as the step writing it declares
    it (core.steps.register_steps)."""
    key = (subject, str(kind))
    spec = EVENT_KINDS.get(key)
    if spec is None:
        raise ImproperlyConfigured(f"event kind {subject}:{kind} has an audience but is not registered (core.events)")
    if key not in AUDIENCE_PENDING and spec.audience != tuple(audience):
        raise ImproperlyConfigured(f"event kind {subject}:{kind}: two different audiences declared")
    EVENT_KINDS[key] = EventKindSpec(spec.subject, spec.kind, spec.label, tuple(audience), spec.internal, spec.app)
    AUDIENCE_PENDING.pop(key, None)


def event_spec(kind: str, subject: str = CASE) -> EventKindSpec | None:
    return EVENT_KINDS.get((subject, str(kind)))


def event_label(kind: str, subject: str = CASE):
    spec = event_spec(kind, subject)
    return spec.label if spec else kind


def event_audience(kind: str, subject: str = CASE) -> tuple[str, ...]:
    spec = event_spec(kind, subject)
    return spec.audience if spec else ()


def event_is_internal(kind: str, subject: str = CASE) -> bool:
    spec = event_spec(kind, subject)
    return bool(spec and spec.internal)


def event_kind_require(kind: str, subject: str = CASE) -> None:
    """For the writers: an unregistered kind is a programming error."""
    if (subject, str(kind)) not in EVENT_KINDS:
        raise ImproperlyConfigured(f"event kind {subject}:{kind} is written but not registered (core.events)")


def subscribe(subject: str, handler: Callable[[int], None]) -> None:
    """``handler(event_id)`` runs in the transaction of every step that
    writes an event of ``subject``. It should only enqueue work
    (``core.tasks.enqueue``, the outbox): it runs before the commit."""
    if handler not in SUBSCRIBERS[subject]:
        SUBSCRIBERS[subject].append(handler)


# Subscribers to some kinds only: (subject, kind) -> handlers. The writer
# passes the kind it wrote, so they cost no query on the other steps.
KIND_SUBSCRIBERS: dict[tuple[str, str], list[Callable[[int], None]]] = defaultdict(list)


def subscribe_kinds(subject: str, kinds: Iterable, handler: Callable[[int], None]) -> None:
    """``handler(event_id)`` runs, like ``subscribe``'s, in the transaction
    of a step that writes an event of ``subject`` of one of ``kinds``."""
    for kind in kinds:
        if handler not in KIND_SUBSCRIBERS[(subject, str(kind))]:
            KIND_SUBSCRIBERS[(subject, str(kind))].append(handler)


def event_written(*, subject: str, event_id: int, kind: str = "") -> None:
    """Called by a history writer inside its transaction: each subscriber
    enqueues its work there (the outbox commits with the step). A
    subscriber that fails fails the step, as any write of it would."""
    for handler in SUBSCRIBERS[subject]:
        handler(event_id)
    for handler in KIND_SUBSCRIBERS.get((subject, str(kind)), ()) if kind else ():
        handler(event_id)
