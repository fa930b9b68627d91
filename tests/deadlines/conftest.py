import datetime as dt
import zoneinfo

import pytest
import time_machine

from tests.factories import make_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# National Day 2026: 1-7 October off, Saturday 10 October worked (调休);
# Mid-autumn 25-27 September off. An intake clock of 5 working days opened
# on Friday 25 September is due on Friday 9 October: T-3 is Tuesday 29
# September, T-1 is Thursday 8 October, across the holiday.
HOLIDAY_START = dt.date(2026, 9, 25)
HOLIDAY_DUE = dt.date(2026, 10, 9)
T3 = dt.date(2026, 9, 29)
T1 = dt.date(2026, 10, 8)


def at(day: dt.date, hour: int = 8, minute: int = 0):
    """Freeze time at ``day`` ``hour``:``minute`` in Asia/Shanghai."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI), tick=False)


@pytest.fixture
def eager_celery():
    """Run ``.delay()`` inline, so that on-commit e-mail tasks execute in the
    test (the broker is exercised by the worker integration test)."""
    from config.celery_app import app

    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture
def submitted_case(world):
    users = world["users"]
    return make_case(applicant=users["applicant"], unit=world["units"]["huailai-edu"], stage="submitted")


@pytest.fixture
def intake_clock(submitted_case):
    """An intake clock due on 9 October 2026 (see HOLIDAY_DUE)."""
    from deadlines.services import clock_open

    with at(HOLIDAY_START, 10):
        clock = clock_open(case=submitted_case, stage="intake", start=HOLIDAY_START)
    assert clock.due_date == HOLIDAY_DUE
    return clock
