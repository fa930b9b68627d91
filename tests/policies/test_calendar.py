"""Due dates after the State Council schedule, with 调休 working days,
admin overrides and flagged years."""

import datetime as dt

import pytest

from policies.calendar import (
    CALENDAR_DAY,
    MONTH,
    SAME_DAY,
    WORKING_DAY,
    CalendarInputError,
    WorkCalendar,
    compute_due_date,
)
from policies.models import CalendarDay, CalendarYear
from policies.services import calendar_day_set, calendar_year_set

D = dt.date.fromisoformat


def _dates(days):
    return [d.date.isoformat() for d in days]


def _reasons(days):
    return {d.date.isoformat(): d.reason for d in days}


@pytest.mark.django_db
class TestCalendarLibrary:
    def test_2025_spring_festival_counts_the_tiaoxiu_sunday(self):
        """Five working days from Fri 2025-01-24: Sun 01-26 is a 调休 working
        day, 01-28..02-04 are 春节, so the fifth day is Fri 02-07."""
        r = compute_due_date(D("2025-01-24"), 5, WORKING_DAY)
        assert r.due == D("2025-02-07")
        assert _dates(r.counted) == ["2025-01-26", "2025-01-27", "2025-02-05", "2025-02-06", "2025-02-07"]
        reasons = _reasons(r.skipped)
        assert reasons["2025-01-25"] == "周末"
        assert reasons["2025-01-28"] == "春节"
        assert reasons["2025-02-04"] == "春节"
        assert "调休上班" in _reasons(r.counted)["2025-01-26"]
        assert r.flagged is False

    def test_2025_spring_festival_tiaoxiu_saturday_is_a_due_date(self):
        """Sat 2025-02-08 is a working day (调休): two working days from
        Thu 02-06 end on it."""
        r = compute_due_date(D("2025-02-06"), 2, WORKING_DAY)
        assert r.due == D("2025-02-08")
        assert r.skipped == []

    def test_2025_national_day_break(self):
        """Five working days from Fri 2025-09-26 count Sun 09-28 (调休) and skip
        10-01..10-08 (国庆节, 中秋节 on 10-06): due Fri 10-10; a sixth day is
        the 调休 Saturday 10-11."""
        r = compute_due_date(D("2025-09-26"), 5, WORKING_DAY)
        assert r.due == D("2025-10-10")
        assert _dates(r.counted)[0] == "2025-09-28"
        reasons = _reasons(r.skipped)
        assert reasons["2025-10-01"] == "国庆节"
        assert reasons["2025-10-06"] == "中秋节"
        assert len([d for d in r.skipped if d.date >= D("2025-10-01")]) == 8
        assert compute_due_date(D("2025-09-26"), 6, WORKING_DAY).due == D("2025-10-11")

    def test_2026_spring_festival_break(self):
        """Sat 2026-02-14 is a 调休 working day and 02-15..02-23 are 春节:
        three working days from Fri 02-13 end on Wed 02-25; Sat 02-28 works."""
        r = compute_due_date(D("2026-02-13"), 3, WORKING_DAY)
        assert _dates(r.counted) == ["2026-02-14", "2026-02-24", "2026-02-25"]
        assert r.due == D("2026-02-25")
        assert set(_reasons(r.skipped).values()) == {"春节"}
        assert compute_due_date(D("2026-02-26"), 2, WORKING_DAY).due == D("2026-02-28")

    def test_2026_national_day_break(self):
        """Sun 2026-09-20 and Sat 10-10 are 调休 working days; 10-01..10-07
        are 国庆节."""
        assert compute_due_date(D("2026-09-18"), 1, WORKING_DAY).due == D("2026-09-20")
        r = compute_due_date(D("2026-09-29"), 4, WORKING_DAY)
        assert _dates(r.counted) == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
        assert _reasons(r.skipped)["2026-10-01"] == "国庆节"
        assert r.due == D("2026-10-10")

    def test_calendar_days_ending_in_a_holiday_move_to_the_next_working_day(self):
        """15 calendar days from 2025-09-16 end on 10-01 (国庆节): the period
        ends on the next working day, 10-09, and the explanation lists the
        holidays passed over."""
        r = compute_due_date(D("2025-09-16"), 15, CALENDAR_DAY)
        assert r.due == D("2025-10-09")
        assert len(r.counted) == 15
        assert _dates(r.skipped)[0] == "2025-10-01"

    def test_months(self):
        """One month from 2025-01-31 is 02-28 (a Friday, a working day)."""
        assert compute_due_date(D("2025-01-31"), 1, MONTH).due == D("2025-02-28")

    def test_start_day_rule(self):
        """With the same-day rule the start day counts: one working day from
        Mon 2025-03-03 is that Monday; by default it is Tuesday."""
        assert compute_due_date(D("2025-03-03"), 1, WORKING_DAY, start_rule=SAME_DAY).due == D("2025-03-03")
        assert compute_due_date(D("2025-03-03"), 1, WORKING_DAY).due == D("2025-03-04")


@pytest.mark.django_db
class TestCalendarFlag:
    def test_2027_is_flagged(self):
        """The library knows up to 2026: a computation reaching into 2027 is
        flagged and names the year."""
        r = compute_due_date(D("2026-12-28"), 5, WORKING_DAY)
        assert r.flagged is True
        assert r.unknown_years == [2027]
        assert any(not d.known for d in r.counted)

    def test_admin_override_is_respected(self, policy_admin):
        """An admin holiday on Thu 2025-10-09 pushes the due date from 10-10
        to the 调休 Saturday 10-11, and the reason is the admin's name."""
        calendar_day_set(actor=policy_admin, date=D("2025-10-09"), kind=CalendarDay.Kind.HOLIDAY, name="地方假日")
        r = compute_due_date(D("2025-09-26"), 5, WORKING_DAY)
        assert r.due == D("2025-10-11")
        assert _reasons(r.skipped)["2025-10-09"] == "地方假日"

    def test_admin_workday_override(self, policy_admin):
        """An admin working day on a Saturday counts."""
        calendar_day_set(actor=policy_admin, date=D("2025-03-08"), kind=CalendarDay.Kind.WORKDAY, name="补班")
        assert compute_due_date(D("2025-03-07"), 1, WORKING_DAY).due == D("2025-03-08")

    def test_complete_year_is_not_flagged_and_uses_its_rows(self, policy_admin):
        """Once 2027's holidays are entered and the year is marked complete,
        the computation is not flagged and skips the entered holiday."""
        calendar_day_set(actor=policy_admin, date=D("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        assert compute_due_date(D("2026-12-28"), 5, WORKING_DAY).flagged is True
        calendar_year_set(actor=policy_admin, year=2027, complete=True)
        assert CalendarYear.objects.get(year=2027).complete is True
        r = compute_due_date(D("2026-12-28"), 5, WORKING_DAY)
        assert r.flagged is False
        assert _reasons(r.skipped)["2027-01-01"] == "元旦"
        assert r.due == D("2027-01-05")

    def test_one_calendar_instance_queries_once(self, django_assert_num_queries):
        """WorkCalendar loads the overrides once (two queries), then answers
        without the database."""
        with django_assert_num_queries(2):
            cal = WorkCalendar()
            for start in ("2025-01-24", "2025-09-26", "2026-02-13"):
                compute_due_date(D(start), 10, WORKING_DAY, calendar=cal)


class TestCalendarInput:
    @pytest.mark.parametrize(
        ("start", "amount", "unit", "message"),
        [
            (dt.date(2025, 1, 1), -1, WORKING_DAY, "amount must be"),
            (dt.date(2025, 1, 1), 3, "fortnight", "unknown unit"),
            ("2025-13-01", 3, WORKING_DAY, "start must be a date"),
            (dt.date(2025, 1, 1), 5000, WORKING_DAY, "too large"),
        ],
    )
    def test_bad_input(self, start, amount, unit, message):
        """Bad input raises CalendarInputError with a clear message."""
        cal = WorkCalendar(overrides={}, complete_years=set())
        with pytest.raises(CalendarInputError, match=message):
            compute_due_date(start, amount, unit, calendar=cal)
