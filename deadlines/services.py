"""Stage clocks: open, pause, resume, extend, stop, and the derived due date;
and the reminder sweep.

A pause from day P to the resume on day R takes the working days in (P, R]
out of the count (calendar days for calendar-day limits): the applicant's
time is not the authority's time (补正 pauses the intake clock). The due
date is never set by hand: ``clock_recompute`` derives it from the start,
the policy's time limit (or the date the step fixed, ``fixed_due``) and the
entries.

Reminders (setting ``DEADLINE_REMINDER_OFFSETS``, default [3, 1] working
days): T-3 and T-1 to whoever must act, on the due date, then once overdue
an escalation and a daily overdue reminder on working days. Who must act and
who hears of the escalation (by default the jurisdiction's supervisors) are
declared by the step that opens the clock (``core.steps.StepClock``).

A clock belongs to a case, or to a record of another subject (a
pre-filing: ``clock_open(record=filing, ...)``); the reminders of the latter
go out through its owner's hooks (``core.subjects``: ``clock_audience``,
``clock_message``, ``clock_overdue``), so deadlines imports no workflow app.
"""

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.exceptions import ApplicationError
from core.subjects import hook, subject, subject_of
from notifications.selectors import AudienceCache, audience_users, case_url
from notifications.services import NotificationItem, notify_many
from policies.calendar import CALENDAR_DAY, WorkCalendar
from policies.selectors import stage_time_limit

from .events import ClockEvent
from .models import Clock, ClockEntry, Reminder
from .selectors import (
    clock_actors,
    clock_can_extend,
    clock_escalation,
    clock_explain,
    reminder_candidates,
    reminder_offsets,
)


def _today() -> dt.date:
    return timezone.localdate()


def clock_recompute(*, clock: Clock, calendar: WorkCalendar | None = None) -> Clock:
    explained = clock_explain(clock=clock, calendar=calendar)
    clock.due_date = None if clock.status == Clock.Status.PAUSED else dt.date.fromisoformat(explained["due"])
    clock.flagged = explained["flagged"]
    clock.save(update_fields=["due_date", "flagged", "updated_at"])
    if clock.case_id is not None:
        case_deadline_sync(case_id=clock.case_id)
    return clock


def case_deadline_values(case_id: int) -> dict:
    """What the case stores about its clocks: the nearest running due date,
    that clock's stage and calendar flag, and whether a clock is paused."""
    running = (Clock.objects.filter(case_id=case_id, status=Clock.Status.RUNNING, due_date__isnull=False)
               .order_by("due_date", "id").values_list("due_date", "stage", "flagged").first())
    paused = Clock.objects.filter(case_id=case_id, status=Clock.Status.PAUSED).exists()
    due, stage, flagged = running or (None, "", False)
    return {"next_due": due, "next_due_stage": stage, "clock_flagged": flagged, "is_paused": paused}


def case_deadline_sync(*, case_id: int) -> None:
    """Copy the clocks' state onto the case (``Case.next_due`` …), so lists
    sort and filter on an index. Every clock change ends here: whoever
    opens, pauses, resumes, extends or stops a clock goes through
    ``clock_recompute`` or ``clock_stop``, in the caller's transaction."""
    # The case model through the clock's own relation: deadlines sits below
    # cases and does not import it.
    Clock._meta.get_field("case").related_model.objects.filter(pk=case_id).update(**case_deadline_values(case_id))


def _owner(case, record) -> dict:
    """The clock's owner as model fields: the case, or a record of another
    subject (core.subjects) by name and id."""
    obj = case if case is not None else record
    name = subject_of(obj).name
    if name == "case":
        return {"case": obj}
    return {"case": None, "subject": name, "subject_pk": obj.pk}


def _owner_filter(case, record) -> dict:
    owner = _owner(case, record)
    return {"case": owner["case"]} if owner["case"] is not None else {
        "subject": owner["subject"], "subject_pk": owner["subject_pk"]}


@transaction.atomic
def clock_open(*, case=None, stage: str, ref: str = "", start: dt.date | None = None,
               due_date: dt.date | None = None, record=None) -> Clock | None:
    """Open the clock for ``stage`` from the case's policy version, if that
    version sets a time limit for it; returns ``None`` otherwise. With
    ``due_date`` (a date the step fixed, e.g. an explicit 补正 deadline) the
    clock runs to that date whatever the policy says, with the same
    reminders, escalation and extensions (as the policy allows them).
    ``record`` instead of ``case``: a clock of another subject (a
    pre-filing), from that record's policy version."""
    owner = _owner(case, record)
    case = case if case is not None else record
    limit = stage_time_limit(version=case.policy_version, stage=stage)
    if limit is None and due_date is None:
        return None
    started = start or _today()
    if due_date is not None:
        amount, unit, start_rule = max((due_date - started).days, 0), CALENDAR_DAY, "next_day"
    else:
        amount, unit, start_rule = limit.amount, limit.unit, case.policy_version.start_rule
    clock = Clock.objects.create(
        **owner, stage=stage, ref=ref, started_on=started, amount=amount, unit=unit, start_rule=start_rule,
        fixed_due=due_date,
        extension_allowed=bool(limit and limit.extension_allowed), extension_max=limit.extension_max if limit else 0,
    )
    return clock_recompute(clock=clock)


def _open_clock(case, stage, ref="", record=None):
    return (
        Clock.objects.select_for_update()
        .filter(**_owner_filter(case, record), stage=stage, ref=ref)
        .exclude(status=Clock.Status.STOPPED)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def clock_pause(*, case=None, stage: str, actor=None, reason: str = "", ref: str = "",
                record=None) -> Clock | None:
    clock = _open_clock(case, stage, ref, record)
    if clock is None or clock.status != Clock.Status.RUNNING:
        return clock
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.PAUSE, on=_today(), actor=actor, reason=reason)
    clock.status = Clock.Status.PAUSED
    clock.save(update_fields=["status", "updated_at"])
    return clock_recompute(clock=clock)


@transaction.atomic
def clock_resume(*, case=None, stage: str, actor=None, reason: str = "", ref: str = "",
                 record=None) -> Clock | None:
    clock = _open_clock(case, stage, ref, record)
    if clock is None or clock.status != Clock.Status.PAUSED:
        return clock
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.RESUME, on=_today(), actor=actor, reason=reason)
    clock.status = Clock.Status.RUNNING
    clock.save(update_fields=["status", "updated_at"])
    return clock_recompute(clock=clock)


@transaction.atomic
def clock_stop(*, case=None, stage: str, actor=None, reason: str = "", ref: str = "",
               record=None) -> Clock | None:
    clock = _open_clock(case, stage, ref, record)
    if clock is None:
        return None
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.STOP, on=_today(), actor=actor, reason=reason)
    clock.status = Clock.Status.STOPPED
    clock.stopped_at = timezone.now()
    clock.save(update_fields=["status", "stopped_at", "updated_at"])
    if clock.case_id is not None:
        case_deadline_sync(case_id=clock.case_id)
    return clock


@transaction.atomic
def clock_open_span(*, case, stage: str, amount: int, unit: str, ref: str = "",
                    start: dt.date | None = None) -> Clock:
    """A clock whose length the step sets rather than a policy time limit
    (a result use's impact period of N months from the ruling, a date the
    organization department set for the next application). Counted like
    any clock (a period ending on a rest day ends on the next working day),
    with the same reminders; no extension."""
    clock = Clock.objects.create(
        case=case, stage=stage, ref=ref, started_on=start or _today(), amount=amount, unit=unit,
        start_rule="next_day",
    )
    return clock_recompute(clock=clock)


# Stages whose clock, once its day has passed, is ended by its owner rather
# than escalated (an impact period that ends closes itself): stage ->
# ``fn(clock_id=...)``, registered by the owning app (no import upward).
CLOCK_EXPIRY: dict = {}


def register_clock_expiry(stage: str, fn) -> None:
    CLOCK_EXPIRY[stage] = fn


def clock_expiry_sweep(*, today: dt.date | None = None) -> int:
    """Hand every running clock of a registered stage whose due date has
    passed to its owner (which stops it, idempotently). One query on
    ``clock_sweep_idx``; each owner call commits on its own."""
    if not CLOCK_EXPIRY:
        return 0
    today = today or _today()
    rows = list(Clock.objects.filter(status=Clock.Status.RUNNING, stage__in=list(CLOCK_EXPIRY), due_date__lt=today)
                .order_by("id").values_list("pk", "stage"))
    for clock_id, stage in rows:
        CLOCK_EXPIRY[stage](clock_id=clock_id)
    return len(rows)


CLOCK_ENDED = gettext_noop("This time limit has already ended.")
EXTENSION_NOT_ALLOWED = gettext_noop("The policy allows no extension of this time limit.")
EXTENSION_TOO_LONG = gettext_noop(
    "The extension exceeds the policy's maximum of %(max)s days (already granted: %(used)s)."
)
EXTENSION_TOO_SHORT = gettext_noop("An extension must be at least one day.")
EXTENSION_NO_REASON = gettext_noop("Give the reason for the extension.")
# %(record)s: what the clock runs on, in words (its model's name: a case, a pre-filing).
EXTENSION_NOT_SUPERVISOR = gettext_noop("Only a supervisor of the %(record)s's jurisdiction may grant an extension.")


@transaction.atomic
def clock_extend(*, clock: Clock, actor, days: int, reason: str) -> Clock:
    """Extend a clock by ``days`` (of its unit), within the policy's
    maximum. The caller checks that ``actor`` may (see
    ``clock_extension_grant``)."""
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if clock.status == Clock.Status.STOPPED:
        raise ApplicationError(_(CLOCK_ENDED))
    if not clock.extension_allowed:
        raise ApplicationError(_(EXTENSION_NOT_ALLOWED))
    if days <= 0:
        raise ApplicationError(_(EXTENSION_TOO_SHORT))
    if not reason.strip():
        raise ApplicationError(_(EXTENSION_NO_REASON))
    used = sum(e.days for e in clock.entries.filter(kind=ClockEntry.Kind.EXTEND))
    if used + days > clock.extension_max:
        raise ApplicationError(_(EXTENSION_TOO_LONG) % {"max": clock.extension_max, "used": used})
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.EXTEND, on=_today(), days=days, actor=actor, reason=reason)
    return clock_recompute(clock=clock)


@transaction.atomic
def clock_extension_grant(*, case=None, clock_id: int, actor, days: int, reason: str, record=None) -> Clock:
    """A supervisor of the record's jurisdiction extends one of its clocks
    (DESIGN §1: supervisors grant extensions), within the policy's maximum.
    Writes the case history; those concerned are notified after commit.
    ``case`` must already be one the actor may see (``case_get_for_user``).
    ``record`` instead of ``case``: a clock of another subject (a
    pre-filing: its jurisdiction's supervisors, its own history).
    """
    owner = case if case is not None else record
    if not clock_can_extend(user=actor, case=owner):
        raise ApplicationError(_(EXTENSION_NOT_SUPERVISOR) % {"record": owner._meta.verbose_name}, code="forbidden",
                               status_code=403)
    # The owner's lock orders this against the stage transitions.
    owner = type(owner).objects.select_for_update(of=("self",), no_key=True).get(pk=owner.pk)
    clock = Clock.objects.filter(pk=clock_id, **_owner_filter(owner, None)).first()
    if clock is None:
        raise Http404
    before = clock.due_date
    clock = clock_extend(clock=clock, actor=actor, days=days, reason=reason)
    # Through the owner's own history writer (core.subjects), which notifies.
    subject_of(owner).record_event(
        owner, kind=ClockEvent.EXTENDED, actor=actor, reason=reason,
        data={
            "clock": clock.pk, "stage": clock.stage, "days": days,
            "due_before": before.isoformat() if before else None,
            "due_after": clock.due_date.isoformat() if clock.due_date else None,
        },
    )
    return clock


# --- Reminders ------------------------------------------------------------------------------------
#
# The sweep (a beat task, several times a day) selects the running clocks
# whose reminders may be due with one indexed query (selectors), decides for
# each the *current* reminder (ReminderPlanner), and per batch, in one
# transaction: inserts the reminder rows with ON CONFLICT DO NOTHING and
# notifies the recipients of the rows this transaction created. The unique
# key (clock, kind, day) makes every reminder go out once, whatever the
# retries, restarts or overlapping runs.

# PostgreSQL: one array per column rather than six parameters per row:
# binding thousands of parameters costs more than the insert itself.
_INSERT_REMINDERS_POSTGRESQL = """
    INSERT INTO deadlines_reminder (clock_id, kind, day, "offset", due_date, sent_at)
    SELECT r.clock_id, r.kind, r.day, r.off, r.due_date, %s
    FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::smallint[], %s::date[])
        AS r(clock_id, kind, day, off, due_date)
    ORDER BY r.clock_id, r.kind, r.day
    ON CONFLICT (clock_id, kind, day) DO NOTHING
    RETURNING id
"""
# Other databases (SQLite under make run): the same statement with one row
# of parameters per reminder (SQLite 3.35+ has ON CONFLICT and RETURNING;
# the rows are sorted in Python).
_INSERT_REMINDERS_VALUES = """
    INSERT INTO deadlines_reminder (clock_id, kind, day, "offset", due_date, sent_at)
    VALUES {values}
    ON CONFLICT (clock_id, kind, day) DO NOTHING
    RETURNING id
"""
# Rows per statement: 6 parameters each stays far below SQLite's limit
# of 32,766 parameters.
_VALUES_CHUNK = 500


def _insert_reminders(rows: list[tuple], now) -> list[int]:
    """Insert (clock_id, kind, day, offset, due_date) rows, skipping those
    that exist; returns the ids of the rows created here."""
    if not rows:
        return []
    # Ordered (ORDER BY, sorted): concurrent sweeps take the unique-index
    # locks in one order, so they wait for each other but never deadlock.
    ops = connection.ops
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [list(col) for col in zip(*rows, strict=True)]
            cursor.execute(_INSERT_REMINDERS_POSTGRESQL, [now, *columns])
            return [row[0] for row in cursor.fetchall()]
        rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
        sent_at = ops.adapt_datetimefield_value(now)
        created = []
        for start in range(0, len(rows), _VALUES_CHUNK):
            chunk = rows[start:start + _VALUES_CHUNK]
            params = []
            for clock_id, kind, day, offset, due in chunk:
                params += [clock_id, str(kind), ops.adapt_datefield_value(day), offset,
                           ops.adapt_datefield_value(due), sent_at]
            cursor.execute(_INSERT_REMINDERS_VALUES.format(values=", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))),
                           params)
            created += [row[0] for row in cursor.fetchall()]
        return created


def _escalated(clock_ids: list[int]) -> dict[int, dt.date]:
    """Clock id -> the local day its escalation went out, for those that
    had one. The day is computed by the database (TruncDate in the site's
    time zone): converting thousands of timestamps in Python costs more
    than the query."""
    if not clock_ids:
        return {}
    from zoneinfo import ZoneInfo

    from django.db.models.functions import TruncDate

    rows = (Reminder.objects.filter(clock_id__in=clock_ids, kind=Reminder.Kind.ESCALATION)
            .annotate(sent_on=TruncDate("sent_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
            .values_list("clock_id", "sent_on"))
    return dict(rows)


def _reminder_message(*, kind: str, clock: Clock, case, offset: int, due: dt.date, today: dt.date) -> str:
    """The reminder's text in the active language (the caller activates
    the site's default: the reader may open it days later)."""
    label = f"{case.number or '#' + str(case.pk)} {case.title}".strip()
    args = {"case": label, "stage": clock.get_stage_display(), "due": due.isoformat(),
            "n": offset, "late": (today - due).days}
    if kind == Reminder.Kind.BEFORE:
        return _("%(case)s: “%(stage)s” is due on %(due)s, in %(n)s working day(s).") % args
    if kind == Reminder.Kind.DUE:
        return _("%(case)s: “%(stage)s” is due today (%(due)s).") % args
    if kind == Reminder.Kind.ESCALATION:
        return _("%(case)s: “%(stage)s” was due on %(due)s and is overdue; "
                 "escalated to the supervisor.") % args
    return _("%(case)s: “%(stage)s” is overdue since %(due)s (%(late)s day(s)).") % args



def _audience_of(clock: Clock, kind: str) -> tuple[str, ...]:
    """Who hears of this reminder: those who must act, and once the clock
    is overdue those it escalates to (both declared by the steps)."""
    audience = clock_actors(clock.stage, clock.subject)
    if kind in (Reminder.Kind.ESCALATION, Reminder.Kind.OVERDUE):
        audience = audience + tuple(a for a in clock_escalation(clock.stage, clock.subject) if a not in audience)
    return audience


def _subject_reminder_items(reminders: list[Reminder], *, cache, today: dt.date) -> list[NotificationItem]:
    """The reminders of clocks of other subjects (a pre-filing), through the
    owner's hooks: its records in one query, its audience tokens, its
    wording, and what an overdue clock sets off there (a missed progress
    report raises an early warning)."""
    items = []
    by_subject: dict[str, list[Reminder]] = {}
    for rem in reminders:
        by_subject.setdefault(rem.clock.subject, []).append(rem)
    for name, rems in by_subject.items():
        owner = subject(name)
        ids = {rem.clock.subject_pk for rem in rems}
        load = hook(name, "clock_records")
        records = load(ids) if load is not None else apps.get_model(owner.model).objects.in_bulk(ids)
        audience_of, message_of = hook(name, "clock_audience"), hook(name, "clock_message")
        overdue = hook(name, "clock_overdue")
        for rem in rems:
            record = records.get(rem.clock.subject_pk)
            if record is None:
                continue
            if rem.kind == Reminder.Kind.ESCALATION and overdue is not None:
                overdue(record, clock=rem.clock, due=rem.due_date)
            rem.item = NotificationItem(
                recipients=audience_of(record, _audience_of(rem.clock, rem.kind), cache), actor=None,
                kind=f"reminder:{rem.kind}", url=owner.page_url(record.pk),
                message=message_of(record, clock=rem.clock, kind=rem.kind, offset=rem.offset, due=rem.due_date,
                                   today=today),
            )
            items.append(rem.item)
    return items


@transaction.atomic
def reminder_batch_send(*, candidates: list[tuple], today: dt.date, working_day: bool = True) -> list[Reminder]:
    """Send the current reminders of one batch of clocks, each once.

    ``candidates``: (clock_id, kind, day, offset, due_date) from
    ``reminder_candidates``. An ESCALATION that already went out becomes
    today's daily OVERDUE reminder (working days only).
    """
    escalating = [c[0] for c in candidates if c[1] == Reminder.Kind.ESCALATION]
    escalated = _escalated(escalating)
    rows = []
    for clock_id, kind, day, offset, due in candidates:
        if kind == Reminder.Kind.ESCALATION and clock_id in escalated:
            # Escalated already: from the next working day on, the daily
            # overdue reminder (never on the day of the escalation itself).
            if not working_day or escalated[clock_id] >= today:
                continue
            kind, day = Reminder.Kind.OVERDUE, today
        rows.append((clock_id, kind, day, offset, due))
    created = _insert_reminders(rows, timezone.now())
    if not created:
        return []
    reminders = {
        r.pk: r for r in Reminder.objects.filter(pk__in=created).select_related(
            "clock__case__applicant", "clock__case__created_by", "clock__case__unit", "clock__case__jurisdiction"
        )
    }
    cache = AudienceCache()
    cache.prefetch_recusals({rem.clock.case_id for rem in reminders.values() if rem.clock.case_id})
    items: list[NotificationItem] = []
    others = [rem for rem in reminders.values() if rem.clock.case_id is None]
    with translation.override(settings.LANGUAGE_CODE):
        items += _subject_reminder_items(others, cache=cache, today=today)
        for rem in reminders.values():
            if rem.clock.case_id is None:
                continue
            clock, case = rem.clock, rem.clock.case
            audience = _audience_of(clock, rem.kind)
            rem.item = NotificationItem(
                recipients=audience_users(case=case, audience=audience, cache=cache), actor=None,
                kind=f"reminder:{rem.kind}", case=case, url=case_url(case.pk),
                message=_reminder_message(kind=rem.kind, clock=clock, case=case, offset=rem.offset,
                                          due=rem.due_date, today=today),
            )
            items.append(rem.item)
    notify_many(items=items)
    reminders = {pk: rem for pk, rem in reminders.items() if getattr(rem, "item", None) is not None}
    through = Reminder.recipients.through
    through.objects.bulk_create([
        through(reminder_id=rem.pk, user_id=n.recipient_id)
        for rem in reminders.values() for n in rem.item.created
    ])
    return list(reminders.values())


def reminder_sweep(*, today: dt.date | None = None, batch_size: int = 1000) -> dict:
    """Send every reminder due today (and catch up a missed run). Not
    atomic as a whole on purpose: each batch commits on its own, so a crash
    half-way keeps what was sent and the next run does the rest. Safe to run
    twice, and concurrently. Returns counts."""
    today = today or _today()
    # First the periods that end by themselves: they are closed, not
    # escalated as overdue.
    expired = clock_expiry_sweep(today=today)
    cal = WorkCalendar()
    counts = {"clocks": 0, "sent": 0, "expired": expired}
    working = cal.is_working_day(today)
    for batch in reminder_candidates(today=today, calendar=cal, offsets=reminder_offsets(), batch_size=batch_size):
        counts["clocks"] += len(batch)
        if batch:
            counts["sent"] += len(reminder_batch_send(candidates=batch, today=today, working_day=working))
    return counts
