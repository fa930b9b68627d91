"""A ruling made through the real reviews services (tests.reviews), and the
organization department it reaches."""

import datetime as dt

import pytest
import time_machine

from careers import services
from reviews import services as review_services
from tests.reviews.conftest import accept_case, items, to_deliberation, vote_all

# A Monday with calendar data; the meeting of the ruling is on 2026-01-08.
TODAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
RULED_ON = dt.date(2026, 1, 8)


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


def rule(users, *, result="mitigated", uses=None):
    """Accepted, verified, deliberated and ruled with the reviews services;
    ``uses``: [(result-use number, months or None)]."""
    case = accept_case(users)
    to_deliberation(case, users)
    vote_all(case, users, results=(result,) * 3)
    use_items = items(case, "result_use")
    chosen = [{"item": use_items[n - 1], "duration_months": m} for n, m in (uses or [(1, None), (2, 6)])]
    review_services.case_rule(case=case, actor=users["committee1"], result=result, reasons="符合容错条件。",
                              applied_items=items(case, "positive")[:1], uses=chosen,
                              mitigation="reduced" if result == "mitigated" else "")
    case.refresh_from_db()
    return case


@pytest.fixture
def mitigated(users, today):
    """A mitigated ruling whose uses reached the organization department:
    考核 (the version's 12 months) and 选拔任用 (6 months given)."""
    case = rule(users)
    services.obligations_open(case_id=case.pk)
    return case
