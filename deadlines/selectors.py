"""Reads of clocks: the case page's clocks with their explanations, who must
act on a clock, and the reminder sweep's selection."""

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import user_has_role
from core.steps import clock_declared
from core.subjects import subject_of
from notifications.selectors import INTAKE, SUPERVISORS
from policies.calendar import WORKING_DAY, WorkCalendar, compute_due_date
from policies.models import CONFIRMED_CERTAINTIES, Certainty, StageTimeLimit

from .models import Clock, ClockEntry, Reminder

# Who must act while a clock runs, and who hears once it is overdue, are
# declared by the step that opens it (core.steps.StepClock, in each workflow
# app's steps.py); these are the defaults for a clock nobody declared.
DEFAULT_ACTORS = (INTAKE,)
# Once a clock is overdue its supervisors hear of it (escalation, then daily).
ESCALATION_AUDIENCE = (SUPERVISORS,)

DEFAULT_REMINDER_OFFSETS = (3, 1)


def clock_actors(stage: str, subject: str = "case") -> tuple[str, ...]:
    """Who must act while a clock of ``stage`` runs (reminded before, on
    and after its due date)."""
    declared = clock_declared(stage, subject)
    return tuple(declared.remind) if declared else DEFAULT_ACTORS


def clock_escalation(stage: str, subject: str = "case") -> tuple[str, ...]:
    """Who also hears once the clock is overdue (escalation, then daily)."""
    declared = clock_declared(stage, subject)
    if declared is None or declared.escalate is None:
        return ESCALATION_AUDIENCE
    return tuple(declared.escalate)


def clock_at_authority(stage: str, subject: str = "case") -> bool:
    """False for a clock of the party's own time (补正, 申辩, 复核申请, 整改,
    a progress report): when it runs out it is not "overdue at the
    authority"."""
    declared = clock_declared(stage, subject)
    return declared.at_authority if declared else True


def reminder_offsets() -> tuple[int, ...]:
    """Working days before the due date at which reminders go out, largest
    first (setting ``DEADLINE_REMINDER_OFFSETS``, default [3, 1])."""
    raw = getattr(settings, "DEADLINE_REMINDER_OFFSETS", DEFAULT_REMINDER_OFFSETS)
    return tuple(sorted({int(n) for n in raw if int(n) > 0}, reverse=True))


def clock_explain(*, clock: Clock, calendar: WorkCalendar | None = None) -> dict:
    """Everything that went into the due date: the counting from the start,
    the pauses and extensions, and the result."""
    cal = calendar or WorkCalendar()
    entries = list(clock.entries.all())
    paused_days = 0
    pauses = []
    open_pause = None
    pause_reason = ""
    extension_days = 0
    extensions = []
    for e in entries:
        if e.kind == ClockEntry.Kind.PAUSE:
            open_pause, pause_reason = e.on, e.reason
        elif e.kind == ClockEntry.Kind.RESUME and open_pause is not None:
            if clock.unit == WORKING_DAY:
                n = cal.working_days_between(open_pause + dt.timedelta(days=1), e.on)
            else:
                n = (e.on - open_pause).days
            paused_days += n
            pauses.append({"from": open_pause.isoformat(), "to": e.on.isoformat(), "days": n, "reason": pause_reason})
            open_pause = None
        elif e.kind == ClockEntry.Kind.EXTEND:
            extension_days += e.days
            extensions.append({
                "on": e.on.isoformat(), "days": e.days, "reason": e.reason,
                "by": e.actor.display_name if e.actor_id else None,
            })
    total = clock.amount + paused_days + extension_days
    result = compute_due_date(
        clock.started_on, total, clock.unit, start_rule=clock.start_rule, calendar=cal
    )
    explained = result.as_dict()
    if clock.fixed_due is not None:
        # A date the step fixed is the due date as given (moved only by
        # pauses and extensions), not the next working day after it.
        explained["due"] = (clock.fixed_due + dt.timedelta(days=paused_days + extension_days)).isoformat()
    explained.update(
        {
            "base_amount": clock.amount,
            "pauses": pauses,
            "paused_since": open_pause.isoformat() if open_pause else None,
            "paused_days": paused_days,
            "extensions": extensions,
            "extension_days": extension_days,
            "status": clock.status,
            "fixed": clock.fixed_due is not None,
        }
    )
    return explained


def clock_list_for_case(*, case=None, today: dt.date | None = None, calendar: WorkCalendar | None = None,
                        record=None) -> list[Clock]:
    """The case's clocks, oldest first, each with ``explanation`` (see
    ``clock_explain``), ``overdue``, ``at_authority`` and the certainty of the
    version's limit it runs (``limit_certainty``; ``limit_confirmed`` False
    for an example default, shown as 示例默认（待核定）: issue 16). A fixed
    number of queries whatever the number of clocks: the clocks with their
    entries and actors, the version's limits, and the calendar's two tables.
    ``record`` instead of ``case``: the clocks of a record of another subject
    (a pre-filing), as ``clock_open`` takes it."""
    today = today or timezone.localdate()
    name = "case" if case is not None else subject_of(record).name
    owner = {"case": case} if case is not None else {"subject": name, "subject_pk": record.pk}
    clocks = list(
        Clock.objects.filter(**owner).prefetch_related("entries__actor").order_by("started_on", "id")
    )
    if not clocks:
        return clocks
    version_id = case.policy_version_id if case is not None else getattr(record, "policy_version_id", None)
    certainty = dict(StageTimeLimit.objects.filter(version_id=version_id).values_list("stage", "certainty")) \
        if version_id else {}
    cal = calendar or WorkCalendar()
    for clock in clocks:
        clock.limit_certainty = certainty.get(clock.stage, "")
        clock.limit_confirmed = clock.limit_certainty in CONFIRMED_CERTAINTIES
        clock.limit_certainty_label = Certainty(clock.limit_certainty).label if clock.limit_certainty else ""
        clock.explanation = ex = clock_explain(clock=clock, calendar=cal)
        # Counted and skipped days in date order, for the "explain" table.
        clock.days = sorted(
            [{**d, "counted": True} for d in ex["counted"]] + [{**d, "counted": False} for d in ex["skipped"]],
            key=lambda d: d["date"],
        )
        clock.overdue = clock.status == Clock.Status.RUNNING and clock.due_date is not None and clock.due_date < today
        clock.at_authority = clock_at_authority(clock.stage, name)
        clock.actors = clock_actors(clock.stage, name)
    return clocks


# --- The reminder sweep's selection --------------------------------------------------------------


def working_day_before(cal: WorkCalendar, day: dt.date, n: int) -> dt.date:
    """The working day ``n`` working days before ``day`` (T-n)."""
    d, count = day, 0
    while count < n:
        d -= dt.timedelta(days=1)
        if cal.is_working_day(d):
            count += 1
    return d


def working_day_after(cal: WorkCalendar, day: dt.date, n: int) -> dt.date:
    d, count = day, 0
    while count < n:
        d += dt.timedelta(days=1)
        if cal.is_working_day(d):
            count += 1
    return d


def sweep_window_end(*, today: dt.date, calendar: WorkCalendar, offsets: tuple[int, ...]) -> dt.date:
    """The last due date with a reminder due by ``today``: a clock due on
    it gets its T-max reminder today. Everything due earlier is selected
    too (later reminders, the due day, overdue)."""
    return working_day_after(calendar, today, max(offsets, default=0))


class ReminderPlanner:
    """Decides the *current* reminder of a clock from its due date alone:
    the latest scheduled one whose day has come. Running late (a missed
    day) therefore sends only the current reminder, never the stale ones.
    Plans are cached per due date: a sweep sees few distinct due dates."""

    def __init__(self, *, today: dt.date, calendar: WorkCalendar, offsets: tuple[int, ...]):
        self.today = today
        self.cal = calendar
        self.offsets = offsets
        self.today_working = calendar.is_working_day(today)
        self._plans: dict[dt.date, tuple | None] = {}

    def plan(self, due: dt.date) -> tuple | None:
        """(kind, day, offset) of the current reminder for a clock due on
        ``due``, or None. For overdue clocks the kind is ESCALATION; the
        sweep turns it into the daily OVERDUE once the escalation went."""
        try:
            return self._plans[due]
        except KeyError:
            pass
        today = self.today
        result = None
        if today > due:
            result = (Reminder.Kind.ESCALATION, due + dt.timedelta(days=1), 0)
        elif today == due:
            result = (Reminder.Kind.DUE, due, 0)
        else:
            # Offsets largest first: the last one whose day has come wins.
            for n in self.offsets:
                day = working_day_before(self.cal, due, n)
                if day <= today:
                    result = (Reminder.Kind.BEFORE, day, n)
        self._plans[due] = result
        return result


def reminder_due_clocks(*, window_end: dt.date, batch_size: int = 2000) -> Iterator[list[tuple[int, dt.date]]]:
    """Running clocks due on or before ``window_end``, as (id, due_date)
    rows in batches: ONE query on ``clock_sweep_idx`` (status, due_date).

    A client-side cursor on purpose: the rows (two small columns) arrive in
    one round trip and are turned into Python objects ``batch_size`` at a
    time, while the caller commits a transaction per batch on the same
    connection (a server-side cursor would cost a round trip per batch and,
    WITH HOLD across commits, a copy of the result on the server)."""
    sql, params = (
        Clock.objects.filter(status=Clock.Status.RUNNING, due_date__lte=window_end)
        .values_list("id", "due_date")
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            while rows := cursor.fetchmany(batch_size):
                yield rows
            return
        # SQLite: read every row first. A statement still open keeps the
        # connection's read snapshot, and a write transaction begun on a
        # stale snapshot (another sweep committed meanwhile) fails at once
        # with "database is locked", whatever the busy timeout. Dates come
        # back as text from a raw cursor: converted as the ORM would.
        as_date = Clock._meta.get_field("due_date").to_python
        rows = [(pk, as_date(due)) for pk, due in cursor.fetchall()]
    for start in range(0, len(rows), batch_size):
        yield rows[start:start + batch_size]


def reminder_candidates(
    *, today: dt.date, calendar: WorkCalendar, offsets: tuple[int, ...], batch_size: int = 2000
) -> Iterator[list[tuple[int, str, dt.date, int, dt.date]]]:
    """The sweep's selection: per batch of due clocks, the current reminder
    of each as (clock_id, kind, day, offset, due_date). The plan depends on
    the due date only, so it is computed once per distinct due date and the
    per-clock work is a dictionary look-up."""
    planner = ReminderPlanner(today=today, calendar=calendar, offsets=offsets)
    plans: dict[dt.date, tuple | None] = {}
    end = sweep_window_end(today=today, calendar=calendar, offsets=offsets)
    for batch in reminder_due_clocks(window_end=end, batch_size=batch_size):
        for due in {due for _id, due in batch} - plans.keys():
            p = planner.plan(due)
            plans[due] = (p[0], p[1], p[2], due) if p else None
        yield [(clock_id, *plans[due]) for clock_id, due in batch if plans[due] is not None]


def clock_can_extend(*, user, case) -> bool:
    """Supervisors of the case's jurisdiction grant extensions (DESIGN §1)."""
    return bool(user and user.is_authenticated and user_has_role(user, Role.SUPERVISOR, case.jurisdiction))


def clock_summary_for_cases(*, case_ids, today: dt.date | None = None) -> dict[int, dict]:
    """For list pages ("my cases", queues): per case, its running clock due
    first, as {"due_date", "stage", "overdue", "at_authority"}. One query
    for any number of cases; cases with no running clock are absent."""
    today = today or timezone.localdate()
    out: dict[int, dict] = {}
    rows = (
        Clock.objects.filter(case_id__in=list(case_ids), status=Clock.Status.RUNNING, due_date__isnull=False)
        .order_by("case_id", "due_date", "id")
        .values_list("case_id", "stage", "due_date")
    )
    for case_id, stage, due in rows:
        if case_id not in out:
            out[case_id] = {
                "due_date": due, "stage": stage, "overdue": due < today, "at_authority": clock_at_authority(stage),
            }
    return out
