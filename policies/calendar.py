"""Working days after the State Council's yearly holiday schedule.

The library ``chinese-calendar`` knows the schedule, including the weekend
days that become working days (调休), for the years it covers. Admins add
``CalendarDay`` rows for other years or local changes; a row overrides the
library for its date. A computation that touches a year known to neither is
*flagged*: the result says so, and callers show a warning. Such days are
counted as ordinary weeks only so that a date can be shown at all.

Start-day rule (policy setting ``PolicyVersion.start_rule``): by default the
day of the triggering event is not counted and counting starts the next day,
as for 期间 in Chinese procedural law.
"""

import calendar as _stdcal
import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

WORKING_DAY = "working_day"
CALENDAR_DAY = "calendar_day"
MONTH = "month"
UNITS = (WORKING_DAY, CALENDAR_DAY, MONTH)
NEXT_DAY = "next_day"
SAME_DAY = "same_day"

# Guards against absurd input reaching the day loop.
MAX_AMOUNT = {WORKING_DAY: 1000, CALENDAR_DAY: 3660, MONTH: 120}


class CalendarInputError(ValueError):
    pass


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    working: bool
    reason: str  # "工作日", "周末", "国庆节", "调休上班", ...
    known: bool  # False: no data for this year; treated as an ordinary week


@dataclass
class DueDate:
    start: dt.date
    amount: int
    unit: str
    start_rule: str
    due: dt.date
    counted: list[DayInfo] = field(default_factory=list)
    skipped: list[DayInfo] = field(default_factory=list)
    unknown_years: list[int] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.unknown_years)

    def as_dict(self) -> dict:
        def day(d: DayInfo) -> dict:
            return {"date": d.date.isoformat(), "reason": d.reason, "known": d.known}

        return {
            "start": self.start.isoformat(),
            "amount": self.amount,
            "unit": self.unit,
            "start_rule": self.start_rule,
            "due": self.due.isoformat(),
            "counted": [day(d) for d in self.counted],
            "skipped": [day(d) for d in self.skipped],
            "flagged": self.flagged,
            "unknown_years": self.unknown_years,
        }


class WorkCalendar:
    """Answers "is this a working day, and why" for a range of dates.

    Loads the admin overrides once per instance (one query), so a caller that
    computes many due dates should reuse one instance.
    """

    def __init__(self, overrides: dict[dt.date, tuple[str, str]] | None = None,
                 complete_years: set[int] | None = None):
        if overrides is None or complete_years is None:
            from .models import CalendarDay, CalendarYear

            overrides = {
                row.date: (row.kind, row.name)
                for row in CalendarDay.objects.all().only("date", "kind", "name")
            } if overrides is None else overrides
            complete_years = set(
                CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
            ) if complete_years is None else complete_years
        self.overrides = overrides
        self.complete_years = complete_years

    def day(self, d: dt.date) -> DayInfo:
        if d in self.overrides:
            kind, name = self.overrides[d]
            if kind == "holiday":
                return DayInfo(d, False, name or "节假日", True)
            return DayInfo(d, True, name or "调休上班", True)
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            known = d.year in self.complete_years
            if d.weekday() >= 5:
                return DayInfo(d, False, "周末", known)
            return DayInfo(d, True, "工作日", known)
        weekend = d.weekday() >= 5
        if is_holiday:
            reason = HOLIDAY_NAMES_ZH.get(name, name) if name else "周末"
            return DayInfo(d, False, reason, True)
        if weekend:
            # A weekend day that is not a holiday is a 调休 working day.
            label = HOLIDAY_NAMES_ZH.get(name, name) if name else ""
            return DayInfo(d, True, f"调休上班（{label}）" if label else "调休上班", True)
        return DayInfo(d, True, "工作日", True)

    def is_working_day(self, d: dt.date) -> bool:
        return self.day(d).working

    def add(self, start: dt.date, amount: int, unit: str,
            start_rule: str = NEXT_DAY) -> DueDate:
        return compute_due_date(start, amount, unit, start_rule=start_rule, calendar=self)

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Working days in [first, last], both included."""
        n, d = 0, first
        while d <= last:
            if self.day(d).working:
                n += 1
            d += dt.timedelta(days=1)
        return n


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, _stdcal.monthrange(year, month)[1]))


def compute_due_date(start, amount, unit, *, start_rule: str = NEXT_DAY,
                     calendar: WorkCalendar | None = None) -> DueDate:
    """The due date ``amount`` ``unit``s after ``start``, with the days
    counted and skipped and why. Raises ``CalendarInputError`` on bad input.

    - working days: count working days only; the due date is the last one.
    - calendar days: count every day; a due date on a non-working day moves
      to the next working day (the usual rule for 期间届满日).
    - months: same day of the month ``amount`` months later, then as for
      calendar days.
    """
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        raise CalendarInputError("start must be a date")
    if unit not in UNITS:
        raise CalendarInputError(f"unknown unit: {unit}")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise CalendarInputError("amount must be a whole number, 0 or more")
    if amount > MAX_AMOUNT[unit]:
        raise CalendarInputError(f"amount too large (at most {MAX_AMOUNT[unit]})")
    if start_rule not in (NEXT_DAY, SAME_DAY):
        raise CalendarInputError(f"unknown start rule: {start_rule}")
    cal = calendar or WorkCalendar()
    result = DueDate(start=start, amount=amount, unit=unit, start_rule=start_rule, due=start)
    unknown: set[int] = set()

    def note(info: DayInfo):
        if not info.known:
            unknown.add(info.date.year)

    d = start if start_rule == SAME_DAY else start + dt.timedelta(days=1)
    if unit == WORKING_DAY:
        remaining = amount
        if remaining == 0:
            result.due = start
        while remaining > 0:
            info = cal.day(d)
            note(info)
            if info.working:
                result.counted.append(info)
                remaining -= 1
                result.due = d
            else:
                result.skipped.append(info)
            d += dt.timedelta(days=1)
    else:
        if unit == CALENDAR_DAY:
            end = d + dt.timedelta(days=amount - 1) if amount else start
        else:
            end = _add_months(start, amount)
            if start_rule == SAME_DAY and amount:
                end -= dt.timedelta(days=1)
        day = d
        while day <= end:
            info = cal.day(day)
            note(info)
            result.counted.append(info)
            day += dt.timedelta(days=1)
        # A period ending on a rest day ends on the next working day.
        while True:
            info = cal.day(end)
            note(info)
            if info.working or amount == 0:
                break
            result.skipped.append(info)
            end += dt.timedelta(days=1)
        result.due = end
    result.unknown_years = sorted(unknown)
    return result
