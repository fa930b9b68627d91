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
committed one loses no notification, whatever the broker does. A writer refuses a kind nobody registered, and
the system check ``core.E001`` finds, before start-up, kinds that the code
writes but nobody registered.
"""

import ast
import logging
import pathlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core import checks
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


# --- The start-up check: written kinds are registered ---------------------------------------------

# Calls that write an event, and the keyword naming its kind.
WRITER_NAMES = {"case_event_record", "case_move", "case_close", "_move", "_close", "_event", "history_record", "record_event"}


def _enum_values(tree: ast.Module) -> dict[str, dict[str, str]]:
    """TextChoices-like classes of a module: class name -> member -> value."""
    out: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = {}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    value = stmt.value.elts[0] if isinstance(stmt.value, ast.Tuple) and stmt.value.elts else stmt.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        members[stmt.targets[0].id] = value.value
            if members:
                out[node.name] = members
    return out


def _constants(tree: ast.Module) -> dict[str, str]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            out[node.targets[0].id] = node.value.value
    return out


def written_kinds(app_configs) -> list[tuple[str, str, str]]:
    """(kind, file, line) of every event kind the apps' code writes with a
    literal, a module constant or an enum member of its own app."""
    found = []
    for config in app_configs:
        root = pathlib.Path(config.path)
        files = [p for p in root.rglob("*.py") if not ({"migrations", "tests", "management"} & set(p.parts))]
        enums: dict[str, dict[str, str]] = {}
        trees = {}
        for path in files:
            try:
                trees[path] = tree = ast.parse(path.read_text(encoding="utf-8"))
            except (OSError, SyntaxError):
                continue
            enums.update(_enum_values(tree))
        for path, tree in trees.items():
            consts = _constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name not in WRITER_NAMES:
                    continue
                for kw in node.keywords:
                    if kw.arg != "kind":
                        continue
                    v = kw.value
                    kind = None
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        kind = v.value
                    elif isinstance(v, ast.Name) and v.id in consts:
                        kind = consts[v.id]
                    elif isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name):
                        kind = enums.get(v.value.id, {}).get(v.attr)
                    if kind is not None:
                        found.append((kind, str(path), node.lineno))
    return found


def check_event_kinds(app_configs=None, **kwargs):
    configs = app_configs or [c for c in apps.get_app_configs() if not c.name.startswith(("django.", "rest_"))
                              and pathlib.Path(c.path).parent == pathlib.Path(apps.get_app_config("core").path).parent]
    registered = {kind for _subject, kind in EVENT_KINDS}
    errors = []
    for kind, path, line in written_kinds(configs):
        if kind not in registered:
            errors.append(checks.Error(
                f"event kind {kind!r} is written but not registered",
                hint="Register it with core.events.register_events in the writing app's events module.",
                obj=f"{path}:{line}", id="core.E001",
            ))
    for spec in EVENT_KINDS.values():
        if not str(spec.label):
            errors.append(checks.Error(f"event kind {spec.kind!r} has no label", id="core.E002"))
    for (subject, kind), app in AUDIENCE_PENDING.items():
        errors.append(checks.Error(
            f"event kind {subject}:{kind} ({app}) has no audience",
            hint="Name it in the app's register_events or in the writing step's Step(audience=...).",
            id="core.E003",
        ))
    return errors
