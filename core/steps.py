"""Steps, declared once: what may happen next on a record, who may do it,
and what it takes.

Each workflow app declares its steps in ``<app>/steps.py`` (imported at
start-up by ``core.apps``). The page's buttons (``steps_for_user``), the
API's ``actions`` list (the same call) and the service's guard
(``step_guard``) all read the declaration, so they cannot disagree; the
generic page view and the generated API endpoint of each step call its
``service`` with what its ``form`` or ``input`` serializer cleaned.

A step's checks, in the order the guard applies them:
1. the record is not in a closed state (409 ``closed``);
2. ``who(record, user)``: may this user take it (403);
3. the record's state is one of ``stages`` (409 ``illegal_transition``);
4. ``ready(record)``, ``ready(record, user)`` or ``ready(record, user, ctx)``:
   a ``Refusal`` (or its message) when the step is not possible now although
   the stage allows it, e.g. feedback already given for this ruling, or no
   meeting to vote at (409, the refusal's code); None when it may go ahead.

``ctx`` is the listing's ``StepContext`` (``step_context(record)``): the
reads several steps' checks share (the current ruling, an inspector's
recusal, the correction record), each read once per listing or guard:
``ctx.read(key, lambda: ...)``. A page that loaded one already hands it
over with ``step_cache_seed``.

What it takes, for the generic page view (``core.step_views``) and the
generated API endpoint (``core.step_apis``):
- ``form(data, files, record)``: the page's form, bound to a POST;
- ``input``: the API's input serializer class (``None``: no body);
- ``service(<subject>=record, actor=user, **kwargs)``: the one service;
  ``kwargs`` are ``service_kwargs()`` of the form or serializer when it has
  one, else its cleaned (validated) data.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .events import event_audience_set
from .exceptions import ApplicationError

NOT_ALLOWED = gettext_lazy("You may not do this on this case.")
ILLEGAL_STAGE = gettext_lazy("This action is not possible while the case is at stage “%(stage)s”.")
CLOSED = gettext_lazy("The case is closed and can no longer be changed.")


@dataclass(frozen=True)
class Refusal:
    message: object
    code: str = "not_ready"
    status_code: int = 409


@dataclass(frozen=True)
class StepClock:
    """A clock a step opens, and who must act while it runs: ``remind``
    (tokens of the subject's audience: ``notifications.selectors`` for a
    case, the owner's own for other subjects) hear before, on and after its
    due date; once it is overdue ``escalate`` hear too (None: the
    deadlines' default, the jurisdiction's supervisors). ``at_authority``
    is False for a clock that measures the party's own time (补正, 申辩, a
    progress report). The reminder sweep (``deadlines``) reads these
    declarations, so it names no workflow stage."""

    stage: str
    remind: tuple[str, ...]
    escalate: tuple[str, ...] | None = None
    at_authority: bool = True
    subject: str = "case"


@dataclass(frozen=True)
class Step:
    name: str
    label: object
    stages: tuple[str, ...]
    who: Callable  # (record, user) -> bool
    app: str = "cases"
    ready: Callable | None = None  # (record) or (record, user) -> Refusal | message | None
    service: Callable | None = None  # service(case=, actor=, **kwargs) (prefiling= for pre-filings)
    form: Callable | None = None  # the page's form: form(data, files, record)
    input: type | None = None  # the API's input serializer (None: no body)
    events: tuple[str, ...] = ()  # the event kinds it writes (core.events)
    success: object = ""  # the page's message after it succeeded
    subject: str = "case"
    # Where the page goes back to after the step (a fragment of the record's page).
    anchor: str = ""
    # A multipart field that carries several files (request.FILES.getlist).
    files: str = ""
    # The API's one-line summary (the label by default).
    summary: str = ""
    # Where a refused POST of the page goes back to (the record's page by default).
    refused_url: Callable | None = None
    # For the generated endpoint's schema (core.schema, issue 15): the
    # refusal messages its service raises with 409 (the very constants) and
    # what it checks, each a text or (text, when it applies).
    refusals: tuple = ()
    requirements: tuple = ()
    # The clocks the step opens, with who must act on each (StepClock).
    clocks: tuple = ()
    # Who hears of the events it writes, where the app's events module does
    # not say: kind -> audience tokens (core.events).
    audience: dict = field(default_factory=dict)
    # An aside (a way out, an optional record): never "the next step" a user
    # lands on (cases.selectors.case_page_head).
    aside: bool = False

    @property
    def allowed(self) -> Callable:  # the registry's former name for ``who``
        return self.who

    def refusal(self, record, user=None) -> Refusal | None:
        if self.ready is None:
            return None
        takes = _arity(self.ready)
        if takes >= 3:
            found = self.ready(record, user, step_context(record))
        elif takes == 2:
            found = self.ready(record, user)
        else:
            found = self.ready(record)
        if found is None or isinstance(found, Refusal):
            return found
        return Refusal(found)


def _arity(fn) -> int:
    cached = getattr(fn, "_step_arity", None)
    if cached is None:
        cached = len(inspect.signature(fn).parameters)
        try:
            fn._step_arity = cached
        except AttributeError:  # a builtin or a bound method: ask each time
            pass
    return cached


def step_kwargs(bound) -> dict:
    """What a valid form or input serializer hands to the step's service."""
    if hasattr(bound, "service_kwargs"):
        return bound.service_kwargs()
    data = bound.cleaned_data if hasattr(bound, "cleaned_data") else bound.validated_data
    return dict(data)


@dataclass(frozen=True)
class StepSubject:
    """How the steps of one kind of record read its state."""

    name: str
    state_field: str
    state_label: Callable  # value -> label
    closed: tuple[str, ...] = ()
    messages: dict = field(default_factory=dict)  # overrides of NOT_ALLOWED / ILLEGAL_STAGE / CLOSED


STEPS: dict[str, dict[str, Step]] = {}
STEP_SUBJECTS: dict[str, StepSubject] = {}


def register_step_subject(subject: StepSubject) -> None:
    STEP_SUBJECTS[subject.name] = subject
    STEPS.setdefault(subject.name, {})


# (subject, clock stage) -> StepClock: who is reminded and escalated.
CLOCKS: dict[tuple[str, str], StepClock] = {}


def register_clocks(*clocks: StepClock) -> None:
    """Clocks no step opens itself (careers' open on the ruling's
    hand-off); a step declares its own in ``Step.clocks``. Two
    declarations of one stage must agree."""
    for clock in clocks:
        key = (clock.subject, str(clock.stage))
        if CLOCKS.get(key, clock) != clock:
            raise ValueError(f"clock {key} declared twice with different actors")
        CLOCKS[key] = clock


def clock_declared(stage: str, subject: str = "case") -> StepClock | None:
    return CLOCKS.get((subject, str(stage)))


def register_steps(*steps: Step) -> None:
    """Add ``steps`` to the registry. A name is one step of its subject:
    the registry is keyed by it (the page's forms, the API's path, the
    guard), so a second declaration of a taken name would silently replace
    the first app's step (as clarifications' ``record_referral`` once did
    corrections'). It is refused at start-up, naming both apps, before any
    of ``steps`` is registered."""
    seen: dict[tuple[str, str], Step] = {}
    for step in steps:
        key = (step.subject, step.name)
        other = seen.get(key) or STEPS.get(step.subject, {}).get(step.name)
        if other is not None:
            raise ImproperlyConfigured(
                f"step {step.subject}:{step.name} of app {step.app!r} is already declared by app {other.app!r} "
                f"(core.steps): give it a name of its own")
        seen[key] = step
    for step in steps:
        STEPS.setdefault(step.subject, {})[step.name] = step
        for kind, tokens in step.audience.items():
            event_audience_set(kind, tokens, step.subject)
        register_clocks(*(c if c.subject == step.subject else StepClock(c.stage, c.remind, c.escalate,
                                                                          c.at_authority, step.subject)
                          for c in step.clocks))


def steps_of(subject: str = "case") -> dict[str, Step]:
    return STEPS.get(subject, {})


def step_get(name: str, subject: str = "case") -> Step:
    return STEPS[subject][name]


def _state(record, subject: str) -> str:
    return getattr(record, STEP_SUBJECTS[subject].state_field)


class StepContext(dict):
    """The reads of one listing (or one guard) of a record that several
    steps' checks share: the current ruling, an inspector's recusal, the
    correction record. Handed to every ``ready(record, user, ctx)``; a
    ``who`` or a selector reaches it with ``step_context(record)``.
    Started afresh at every listing and guard, from what the page seeded
    (``step_cache_seed``), so it is never stale: a service re-reads the
    record under its lock and the guard starts a new context on it."""

    def read(self, key, fn):
        """The value under ``key``, read with ``fn()`` the first time."""
        try:
            return self[key]
        except KeyError:
            value = self[key] = fn()
            return value


def step_context(record) -> StepContext:
    """The current listing's context of ``record`` (see ``StepContext``)."""
    ctx = record.__dict__.get("_step_cache")
    if not isinstance(ctx, StepContext):
        ctx = record.__dict__["_step_cache"] = StepContext(ctx or {})
    return ctx


def step_read(record, key, fn):
    """``step_context(record).read(key, fn)``: one read per listing."""
    return step_context(record).read(key, fn)


def step_cache(record) -> dict:
    """A dict on ``record`` for what several steps' checks read alike (the
    current meeting, the correction record), so one listing reads it once.
    Emptied at the start of every listing and guard: never stale. (The
    listing's ``StepContext``; the former name.)"""
    return step_context(record)


def step_cache_seed(record, key: str, value) -> None:
    """Hand the next listing of ``record`` something its caller has read
    already (a panel that loaded the correction record)."""
    record.__dict__.setdefault("_step_seed", {})[key] = value


def steps_for_user(record, user, *, subject: str = "case") -> list[str]:
    """The steps ``user`` may take on ``record`` now, in declaration order:
    the page's buttons and the API's ``actions``."""
    record.__dict__["_step_cache"] = StepContext(record.__dict__.pop("_step_seed", {}))
    state = _state(record, subject)
    out = []
    for name, step in steps_of(subject).items():
        if state in step.stages and step.who(record, user) and step.refusal(record, user) is None:
            out.append(name)
    return out


def _message(subject: str, key: str, default):
    return STEP_SUBJECTS[subject].messages.get(key, default)


def step_guard(record, actor, name: str, *, subject: str = "case") -> None:
    """Raise ``ApplicationError`` unless ``actor`` may take step ``name``
    on ``record`` now. Services call it on the record they locked."""
    step = step_get(name, subject)
    record.__dict__.pop("_step_cache", None)
    meta = STEP_SUBJECTS[subject]
    state = _state(record, subject)
    if state in meta.closed and state not in step.stages:
        raise ApplicationError(_(_message(subject, "closed", CLOSED)), code="closed")
    if not step.who(record, actor):
        raise ApplicationError(_(_message(subject, "not_allowed", NOT_ALLOWED)), code="permission_denied",
                               status_code=403)
    if state not in step.stages:
        text = _(_message(subject, "illegal", ILLEGAL_STAGE))
        raise ApplicationError(text % {"stage": meta.state_label(state), "status": meta.state_label(state)},
                               code="illegal_transition", status_code=409)
    refusal = step.refusal(record, actor)
    if refusal is not None:
        raise ApplicationError(str(refusal.message), code=refusal.code, status_code=refusal.status_code)
