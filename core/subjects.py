"""The records a workflow runs on (a case, a pre-filing), as the
infrastructure apps see them: letters, deadlines and notifications work on
"a subject" and call the hooks its owner registered here, so that they
import no workflow app.

An owner registers once, in its ``events`` module (``core.apps`` imports
those at start-up)::

    register_subject(Subject(name="case", model="cases.Case", get_for_user=..., ...))

Hooks:
- ``get_for_user(user, pk)``: the record if ``user`` may see it, else Http404;
- ``visible(user)``: a queryset of the records ``user`` may see;
- ``record_event(obj, kind, actor, reason, data)``: append to its history
  (through the owner's one writer, which notifies after commit);
- ``parties(obj)``: who the parties are (``Parties``);
- ``page_url(pk)``: its page, where notifications and lists link;
- ``label(obj)``: its number and title, for messages.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Parties:
    """The people a record is about: never its handling staff. ``ids`` are
    those who see it as parties (no internal record, no votes); ``author``
    is whoever opened it when he is staff (an inspector's proactive case),
    else None."""

    applicant_id: int | None
    filer_id: int | None
    unit_id: int | None
    author_id: int | None = None
    ids: frozenset = field(default_factory=frozenset)

    def __contains__(self, user) -> bool:
        pk = user if isinstance(user, int) else getattr(user, "pk", None)
        return pk is not None and pk in self.ids


@dataclass(frozen=True)
class Subject:
    name: str
    model: str
    get_for_user: Callable
    visible: Callable
    record_event: Callable
    page_url: Callable
    label: Callable
    parties: Callable | None = None


SUBJECTS: dict[str, Subject] = {}
_BY_MODEL: dict[str, Subject] = {}


def register_subject(subject: Subject) -> None:
    SUBJECTS[subject.name] = subject
    _BY_MODEL[subject.model.lower()] = subject


def subject(name: str) -> Subject:
    return SUBJECTS[name]


def subject_of(obj) -> Subject:
    return _BY_MODEL[obj._meta.label_lower]


# Further hooks other apps add to a subject they do not own (e.g. reviews
# tells notifications who is recused from a case).
HOOKS: dict[tuple[str, str], Callable] = {}


def register_hook(subject_name: str, hook: str, fn: Callable) -> None:
    HOOKS[(subject_name, hook)] = fn


def hook(subject_name: str, name: str, default: Callable | None = None) -> Callable | None:
    return HOOKS.get((subject_name, name), default)
