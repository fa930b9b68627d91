"""The start-up checks of the event registry (core.event_checks, issue 21
review): a kind is registered for the subject it is written on, kinds
passed through helpers, local variables and properties are read, the steps'
declared events and the apps' kind constants are registered, and a write
the scan cannot read fails unless a step declares its events. Each test
writes the code a check must catch and proves that it does."""

import dataclasses
import importlib.util
import types

import pytest
from django.core.exceptions import ImproperlyConfigured

from careers.models import EventKind as CareerKind
from cases import services as case_services
from core.event_checks import check_event_kinds, event_writes
from core.events import EVENT_KINDS
from core.steps import STEPS, Step, step_get
from corrections.models import EventKind as CorrectionKind
from prefilings import services as prefiling_services
from reviews.models import EventKind as ReviewKind


def _app(tmp_path, source: str, name: str = "h41_scratch"):
    """An app config whose code is ``source`` (what the scan reads)."""
    (tmp_path / "services.py").write_text(source, encoding="utf-8")
    return types.SimpleNamespace(path=str(tmp_path), name=name)


def _found(errors, code: str) -> list[str]:
    return sorted(e.msg for e in errors if e.id == code)


def test_the_project_passes_and_its_pass_through_writers_are_read():
    """Every write of the project is read (none is left unread), including
    those through helpers that hand their ``kind`` on (corrections'
    _enter_clarification, reviews' _to_deliberation) and careers'
    ``followup.event_kind`` property, with the subject each writes on."""
    writes, unread = event_writes()
    assert unread == []
    found = {(w.path.rsplit("/", 2)[-2], w.kind, w.subject) for w in writes}
    assert {
        ("corrections", CorrectionKind.CORRECTION_SKIPPED, "case"),  # _enter_clarification(case, kind=...)
        ("reviews", ReviewKind.DEFENCE_SUBMITTED, "case"),  # _to_deliberation(case, actor, kind, ...)
        ("careers", CareerKind.TALK_RECORDED, "case"), ("careers", CareerKind.VISIT_RECORDED, "case"),
        ("prefilings", "warning_raised", "prefiling"),
        # Through subject_of(record).record_event: whichever record it is.
        ("letters", "letter_ready", "*"), ("deadlines", "deadline_extended", "*"),
    } <= found
    assert [e for e in check_event_kinds() if e.id.startswith("core.")] == []


def test_a_kind_registered_for_another_subject_only_fails_where_it_is_written(tmp_path):
    """core.E001 is subject-aware: the writer names the subject (the case's
    writer, the pre-filing's, subject("prefiling").record_event), and a
    kind registered for the other subject only is not registered for it.
    subject_of(x).record_event writes on any record: every subject needs it."""
    assert {s for s, k in EVENT_KINDS if k == "warning_raised"} == {"prefiling"}
    assert {s for s, k in EVENT_KINDS if k == "meeting_voided"} == {"case"}
    app = _app(tmp_path, (
        "from cases.services import case_event_record\n"
        "from core.subjects import subject, subject_of\n"
        "from prefilings.services import prefiling_event_record_for\n"
        "def step(case, filing, actor):\n"
        "    case_event_record(case=case, kind='warning_raised', actor=actor)\n"
        "    prefiling_event_record_for(filing, 'meeting_voided', actor)\n"
        "    subject('prefiling').record_event(filing, kind='accepted', actor=actor)\n"
        "    subject_of(case).record_event(case, kind='meeting_voided', actor=actor)\n"
        "    case_event_record(case=case, kind='accepted', actor=actor)\n"
        "    prefiling_event_record_for(filing, 'warning_raised', actor)\n"
        "    subject_of(filing).record_event(filing, kind='submitted', actor=actor)\n"
    ))
    errors = check_event_kinds([app])
    assert _found(errors, "core.E001") == sorted([
        "event kind 'warning_raised' is written on a case but not registered for it",
        "event kind 'meeting_voided' is written on a prefiling but not registered for it",
        "event kind 'accepted' is written on a prefiling but not registered for it",
        "event kind 'meeting_voided' is written on any record but not registered for it",
    ])
    lines = sorted(int(e.obj.rsplit(":", 1)[1]) for e in errors if e.id == "core.E001")
    assert lines == [5, 6, 7, 8]


def test_kinds_passed_through_helpers_variables_and_properties_are_read(tmp_path):
    """core.E001 sees a kind however it reaches the writer: through a helper
    that hands its ``kind`` on (by keyword or by position, two helpers
    deep), a module constant, a local ``a if c else b`` or ``{...}[key]``,
    and a property of the app's classes."""
    app = _app(tmp_path, (
        "from cases.services import case_move\n"
        "H41_CONSTANT = 'h41_constant'\n"
        "def _enter(case, actor, kind, reason=''):\n"
        "    case_move(case, to='x', kind=kind, actor=actor, reason=reason)\n"
        "def _deeper(case, *, kind, actor):\n"
        "    _enter(case, actor, kind)\n"
        "class Thing:\n"
        "    @property\n"
        "    def event_kind(self):\n"
        "        return 'h41_property_a' if self else 'h41_property_b'\n"
        "def step(case, actor, flag, which, thing):\n"
        "    _enter(case, actor, 'h41_positional')\n"
        "    _deeper(case, kind=H41_CONSTANT, actor=actor)\n"
        "    kind = 'h41_if_a' if flag else 'h41_if_b'\n"
        "    case_move(case, to='x', kind=kind, actor=actor)\n"
        "    event = {1: 'h41_table_a', 2: 'h41_table_b'}[which]\n"
        "    case_move(case, to='x', kind=event, actor=actor)\n"
        "    case_move(case, to='x', kind=thing.event_kind, actor=actor)\n"
        "    _enter(case, actor, 'submitted')\n"
    ))
    errors = check_event_kinds([app])
    written = {e.msg.split("'")[1] for e in errors if e.id == "core.E001"}
    assert written == {"h41_positional", "h41_constant", "h41_if_a", "h41_if_b", "h41_table_a", "h41_table_b",
                       "h41_property_a", "h41_property_b"}
    assert _found(errors, "core.E006") == []
    # The helpers hand the kind on: their own writes are not reported.
    assert not any(e.obj.endswith((":4", ":6")) for e in errors)


def test_a_write_the_scan_cannot_read_fails_unless_its_step_declares_the_events(tmp_path):
    """core.E006: a kind the scan cannot read (a call's result) fails; the
    same write inside a step's service that declares its events passes
    (core.E004 checks those)."""
    source = (
        "from cases.services import case_event_record\n"
        "def h41_unread_service(*, case, actor):\n"
        "    case_event_record(case=case, kind=pick(case), actor=actor)\n"
    )
    app = _app(tmp_path, source)
    assert _found(check_event_kinds([app]), "core.E006") == [
        "the event kind written in h41_unread_service() cannot be read by the check"]
    spec = importlib.util.spec_from_file_location("h41_scratch_services", tmp_path / "services.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    step = Step("h41_unread", "h41", ("draft",), lambda case, user: False, app="h41_scratch",
                service=module.h41_unread_service, events=("submitted",))
    STEPS["case"]["h41_unread"] = step
    try:
        assert _found(check_event_kinds([app]), "core.E006") == []
        STEPS["case"]["h41_unread"] = dataclasses.replace(step, events=())
        assert len(_found(check_event_kinds([app]), "core.E006")) == 1
    finally:
        STEPS["case"].pop("h41_unread")


def test_a_step_declaring_an_unregistered_kind_fails(monkeypatch):
    """core.E004: every kind a step declares (Step.events) is registered for
    the step's subject: an unknown kind fails, and so does a case's kind
    declared by a pre-filing step."""
    void = step_get("void_meeting")
    monkeypatch.setitem(STEPS["case"], "void_meeting", dataclasses.replace(void, events=("h41_undeclared",)))
    register = step_get("register", "prefiling")
    monkeypatch.setitem(STEPS["prefiling"], "register",
                        dataclasses.replace(register, events=(*register.events, "meeting_voided")))
    assert _found(check_event_kinds(), "core.E004") == sorted([
        "step case:void_meeting declares event kind 'h41_undeclared', not registered for a case",
        "step prefiling:register declares event kind 'meeting_voided', not registered for a prefiling",
    ])


def test_a_kind_constant_nobody_registered_fails(tmp_path):
    """core.E005: a member of an event-kind choices class and a module
    constant named for an event kind, registered for no subject, fail even
    where nothing writes them yet (a kind passed on through a variable the
    scan cannot follow still starts as one of them); a registered one and a
    class that is not an event kind's pass."""
    app = _app(tmp_path, (
        "from django.db import models\n"
        "EVENT_H41_GONE = 'h41_gone'\n"
        "CASE_EVENT_OK = 'submitted'\n"
        "OTHER = 'h41_other'\n"
        "class H41Event(models.TextChoices):\n"
        "    LOST = 'h41_lost', 'lost'\n"
        "    KEPT = 'accepted', 'kept'\n"
        "class H41Colour(models.TextChoices):\n"
        "    RED = 'h41_red', 'red'\n"
    ))
    assert _found(check_event_kinds([app]), "core.E005") == [
        "event kind constant 'h41_gone' is registered for no subject",
        "event kind constant 'h41_lost' is registered for no subject",
    ]


def test_the_writers_refuse_a_kind_of_another_subject_at_run_time():
    """Behind the checks, each history writer refuses, before it writes, a
    kind not registered for its subject."""
    with pytest.raises(ImproperlyConfigured, match="case:warning_raised is written but not registered"):
        case_services.case_event_record(case=None, kind="warning_raised", actor=None)
    with pytest.raises(ImproperlyConfigured, match="prefiling:meeting_voided is written but not registered"):
        prefiling_services._event(None, kind="meeting_voided", actor=None)
