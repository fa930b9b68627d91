"""Stage clocks: open, pause, resume, extend, stop, and the derived due date.

A pause from day P to the resume on day R takes the working days in (P, R]
out of the count (calendar days for calendar-day limits): the applicant's
time is not the authority's time (补正 pauses the intake clock).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from policies.calendar import WORKING_DAY, WorkCalendar, compute_due_date

from .models import Clock, ClockEntry


def _today() -> dt.date:
    return timezone.localdate()


def clock_explain(*, clock: Clock, calendar: WorkCalendar | None = None) -> dict:
    """Everything that went into the due date: the counting from the start,
    the pauses and extensions, and the result."""
    cal = calendar or WorkCalendar()
    entries = list(clock.entries.all())
    paused_days = 0
    pauses = []
    open_pause = None
    extension_days = 0
    extensions = []
    for e in entries:
        if e.kind == ClockEntry.Kind.PAUSE:
            open_pause = e.on
        elif e.kind == ClockEntry.Kind.RESUME and open_pause is not None:
            if clock.unit == WORKING_DAY:
                n = cal.working_days_between(open_pause + dt.timedelta(days=1), e.on)
            else:
                n = (e.on - open_pause).days
            paused_days += n
            pauses.append({"from": open_pause.isoformat(), "to": e.on.isoformat(), "days": n})
            open_pause = None
        elif e.kind == ClockEntry.Kind.EXTEND:
            extension_days += e.days
            extensions.append({"on": e.on.isoformat(), "days": e.days, "reason": e.reason})
    total = clock.amount + paused_days + extension_days
    result = compute_due_date(
        clock.started_on, total, clock.unit, start_rule=clock.start_rule, calendar=cal
    )
    explained = result.as_dict()
    explained.update(
        {
            "base_amount": clock.amount,
            "pauses": pauses,
            "paused_since": open_pause.isoformat() if open_pause else None,
            "paused_days": paused_days,
            "extensions": extensions,
            "extension_days": extension_days,
            "status": clock.status,
        }
    )
    return explained


def clock_recompute(*, clock: Clock, calendar: WorkCalendar | None = None) -> Clock:
    explained = clock_explain(clock=clock, calendar=calendar)
    clock.due_date = None if clock.status == Clock.Status.PAUSED else dt.date.fromisoformat(explained["due"])
    clock.flagged = explained["flagged"]
    clock.save(update_fields=["due_date", "flagged", "updated_at"])
    return clock


@transaction.atomic
def clock_open(*, case, stage: str, ref: str = "", start: dt.date | None = None) -> Clock | None:
    """Open the clock for ``stage`` from the case's policy version, if that
    version sets a time limit for it. Returns ``None`` otherwise."""
    limit = case.policy_version.time_limits.filter(stage=stage).first()
    if limit is None:
        return None
    clock = Clock.objects.create(
        case=case, stage=stage, ref=ref, started_on=start or _today(), amount=limit.amount,
        unit=limit.unit, start_rule=case.policy_version.start_rule,
        extension_allowed=limit.extension_allowed, extension_max=limit.extension_max,
    )
    return clock_recompute(clock=clock)


def _open_clock(case, stage, ref=""):
    return (
        Clock.objects.select_for_update()
        .filter(case=case, stage=stage, ref=ref)
        .exclude(status=Clock.Status.STOPPED)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def clock_pause(*, case, stage: str, actor=None, reason: str = "", ref: str = "") -> Clock | None:
    clock = _open_clock(case, stage, ref)
    if clock is None or clock.status != Clock.Status.RUNNING:
        return clock
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.PAUSE, on=_today(), actor=actor, reason=reason)
    clock.status = Clock.Status.PAUSED
    clock.save(update_fields=["status", "updated_at"])
    return clock_recompute(clock=clock)


@transaction.atomic
def clock_resume(*, case, stage: str, actor=None, reason: str = "", ref: str = "") -> Clock | None:
    clock = _open_clock(case, stage, ref)
    if clock is None or clock.status != Clock.Status.PAUSED:
        return clock
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.RESUME, on=_today(), actor=actor, reason=reason)
    clock.status = Clock.Status.RUNNING
    clock.save(update_fields=["status", "updated_at"])
    return clock_recompute(clock=clock)


@transaction.atomic
def clock_stop(*, case, stage: str, actor=None, reason: str = "", ref: str = "") -> Clock | None:
    clock = _open_clock(case, stage, ref)
    if clock is None:
        return None
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.STOP, on=_today(), actor=actor, reason=reason)
    clock.status = Clock.Status.STOPPED
    clock.stopped_at = timezone.now()
    clock.save(update_fields=["status", "stopped_at", "updated_at"])
    return clock


EXTENSION_NOT_ALLOWED = "The policy allows no extension of this time limit."
EXTENSION_TOO_LONG = "The extension exceeds the policy's maximum of %(max)s days (already granted: %(used)s)."


@transaction.atomic
def clock_extend(*, clock: Clock, actor, days: int, reason: str) -> Clock:
    from django.utils.translation import gettext as _

    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if clock.status == Clock.Status.STOPPED:
        raise ApplicationError(_("This time limit has already ended."))
    if not clock.extension_allowed:
        raise ApplicationError(_(EXTENSION_NOT_ALLOWED))
    if days <= 0:
        raise ApplicationError(_("An extension must be at least one day."))
    if not reason.strip():
        raise ApplicationError(_("Give the reason for the extension."))
    used = sum(e.days for e in clock.entries.filter(kind=ClockEntry.Kind.EXTEND))
    if used + days > clock.extension_max:
        raise ApplicationError(_(EXTENSION_TOO_LONG) % {"max": clock.extension_max, "used": used})
    ClockEntry.objects.create(clock=clock, kind=ClockEntry.Kind.EXTEND, on=_today(), days=days, actor=actor, reason=reason)
    return clock_recompute(clock=clock)
