"""The start-up checks of the event registry (core.events): what the code
writes, what the steps declare and what the apps name as event kinds is
registered, for the subject it is written on.

The scan (core.event_scan) reads the project's modules (``ast``; nothing is imported) and
finds the history writers from the writers' own guard: a function that
hands its ``kind`` parameter to ``event_kind_require(kind, subject)``
writes on that subject (``cases.services.case_event_record`` on a case,
``prefilings.services._event`` on a pre-filing); one that hands it to
``subject("<name>").record_event`` on that subject, and to
``subject_of(record).record_event`` on whichever record it is given (every
subject: letters, deadlines). A function that passes its own ``kind``
parameter on to a writer is a writer of the same subject (``_move``,
``case_move``, ``corrections.services._enter_clarification``), so the
kinds its callers pass are read where they are named. A kind is read from
a literal, a module constant (of the module or imported), an enum member
(``EventKind.X``, ``K.X`` of ``from .models import EventKind as K``), a
local variable assigned one of those (``a if c else b``, ``{...}[key]``)
or a property of the app's models returning them (``followup.event_kind``).

- ``core.E001``: a kind written on a subject, not registered for it (a
  kind registered for another subject only is no answer);
- ``core.E004``: a step declares (``Step.events``) a kind its subject has
  not registered;
- ``core.E005``: a kind constant (a member of an ``…Event``/``…EventKind``
  choices class, a module constant ``…EVENT…``) no subject has registered;
- ``core.E006``: a write whose kind the scan cannot read, outside a step's
  service that declares its events (declare them, or name the kind);
- ``core.E002`` / ``core.E003``: a registered kind without a label / an
  audience.

At run time the writers refuse an unregistered kind for their subject
(``core.events.event_kind_require``)."""

import inspect
import pathlib

from django.core import checks

from .event_scan import ANY, Unread, event_writes, scan_project, written_kinds
from .events import AUDIENCE_PENDING, EVENT_KINDS
from .steps import STEPS
from .subjects import SUBJECTS

__all__ = ["check_event_kinds", "event_writes", "written_kinds"]


def _registered_for(kind: str, subject: str) -> bool:
    if subject == ANY:
        return all((name, kind) in EVENT_KINDS for name in SUBJECTS) if SUBJECTS else \
            any(k == kind for _s, k in EVENT_KINDS)
    return (subject, kind) in EVENT_KINDS


def _declared_by_a_step(unread: Unread) -> bool:
    for steps in STEPS.values():
        for step in steps.values():
            service = inspect.unwrap(step.service) if step.service is not None else None
            if service is None or not step.events or getattr(service, "__name__", "") != unread.function:
                continue
            try:
                if pathlib.Path(inspect.getsourcefile(service)).resolve() == pathlib.Path(unread.path).resolve():
                    return True
            except TypeError:
                continue
    return False


def check_event_kinds(app_configs=None, **kwargs):
    scan, names = scan_project(app_configs)
    writes, unread = scan.writes(names)
    errors = []
    for write in writes:
        if not _registered_for(write.kind, write.subject):
            on = "any record" if write.subject == ANY else f"a {write.subject}"
            errors.append(checks.Error(
                f"event kind {write.kind!r} is written on {on} but not registered for it",
                hint="Register it with core.events.register_events (subject=...) in the writing app's events module.",
                obj=f"{write.path}:{write.line}", id="core.E001",
            ))
    for subject, steps in STEPS.items():
        for step in steps.values():
            for kind in step.events:
                if (subject, str(kind)) not in EVENT_KINDS:
                    errors.append(checks.Error(
                        f"step {subject}:{step.name} declares event kind {str(kind)!r}, not registered for a {subject}",
                        hint="Register it in the app's events module, or declare the kind the step writes.",
                        obj=f"{step.app}.steps", id="core.E004",
                    ))
    registered = {kind for _subject, kind in EVENT_KINDS}
    for kind, path, line in scan.kind_constants(names):
        if kind not in registered:
            errors.append(checks.Error(
                f"event kind constant {kind!r} is registered for no subject",
                hint="Register it with core.events.register_events, or remove it.",
                obj=f"{path}:{line}", id="core.E005",
            ))
    for place in unread:
        if not _declared_by_a_step(place):
            errors.append(checks.Error(
                f"the event kind written in {place.function}() cannot be read by the check",
                hint="Name the kind (a constant, an enum member, a choice of them), or make the function a step's "
                     "service that declares its events (Step.events).",
                obj=f"{place.path}:{place.line}", id="core.E006",
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
