"""Overdue cases on the dashboard and ``GET /api/v1/stats/``: a case counts
once when one of its running clocks is past its due date, among the cases
the viewer may see. The count is read off the case's stored nearest due
date (``Case.next_due``, kept by the clock services) on ``case_due_idx``:
on PostgreSQL with a realistic table, no scan of the cases or the clocks
(issue 19)."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from dashboard.selectors import dashboard_cases, dashboard_overdue
from deadlines import services as clocks
from deadlines.models import Clock
from reviews.models import Recusal

from .conftest import clock, make_case

pytestmark = pytest.mark.django_db

VIEWERS = ["intake", "km_intake", "admin", "inspector1", "supervisor", "committee1", "km_inspector", "applicant"]


def _late_cases(user, filters=None) -> int:
    """The definition, from the clocks themselves: visible cases with a
    running clock whose due date has passed."""
    late = set(Clock.objects.filter(status=Clock.Status.RUNNING, due_date__lt=timezone.localdate(),
                                    case__isnull=False).values_list("case_id", flat=True))
    return len(late & set(dashboard_cases(user=user, filters=filters).values_list("pk", flat=True)))


def test_each_viewer_counts_the_late_cases_he_sees_once(known, world, users, units):
    """Two late clocks on one case count it once; a paused clock long past
    its date and a running one not yet due do not count; the recused
    inspector, another jurisdiction, a filter leave the case out."""
    today = timezone.localdate()
    late = known["overdue"]
    clock(late, stage="defence", due=today - dt.timedelta(days=1))
    clock(known["submitted"], stage="verification", due=today - dt.timedelta(days=9), status=Clock.Status.PAUSED)
    filters = [{}, {"year": 2026}, {"year": 2025}, {"jurisdiction": units["huailai"].pk},
               {"jurisdiction": units["kunming"].pk}]
    for name in VIEWERS:
        for f in filters:
            assert dashboard_overdue(user=users[name], filters=f)["count"] == _late_cases(users[name], f), (name, f)
    assert dashboard_overdue(user=users["intake"])["count"] == 1
    assert dashboard_overdue(user=users["admin"])["count"] == 1
    assert dashboard_overdue(user=users["admin"], filters={"jurisdiction": units["kunming"].pk})["count"] == 0
    assert dashboard_overdue(user=users["km_intake"])["count"] == 0
    assert dashboard_overdue(user=users["inspector1"])["count"] == 1
    Recusal.objects.create(case=late, user=users["inspector1"], reason="亲属")
    assert dashboard_overdue(user=users["inspector1"])["count"] == 0
    assert dashboard_overdue(user=users["intake"])["count"] == 1


def test_the_count_follows_the_clock_services(world, users):
    """Opened, due, paused, resumed (its date moved by the pause) and
    stopped through deadlines.services: the case is late exactly while its
    clock runs past its date."""
    day0 = dt.date(2026, 10, 5)
    case = make_case(world, stage="verification")

    def late_on(day):
        with time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone()),
                                 tick=False):
            return dashboard_overdue(user=users["intake"])

    with time_machine.travel(dt.datetime.combine(day0, dt.time(10), tzinfo=timezone.get_current_timezone()),
                             tick=False):
        clocks.clock_open(case=case, stage="supplement", due_date=day0 + dt.timedelta(days=2))
    assert late_on(day0 + dt.timedelta(days=2))["count"] == 0
    overdue = late_on(day0 + dt.timedelta(days=5))
    assert overdue["count"] == 1 and overdue["cases"][0]["days_overdue"] == 3
    with time_machine.travel(dt.datetime.combine(day0 + dt.timedelta(days=5), dt.time(10),
                                                 tzinfo=timezone.get_current_timezone()), tick=False):
        clocks.clock_pause(case=case, stage="supplement")
    assert late_on(day0 + dt.timedelta(days=6))["count"] == 0
    with time_machine.travel(dt.datetime.combine(day0 + dt.timedelta(days=6), dt.time(10),
                                                 tzinfo=timezone.get_current_timezone()), tick=False):
        clocks.clock_resume(case=case, stage="supplement")
        # Due day0 + 2, moved by the day paused: still past.
        assert dashboard_overdue(user=users["intake"])["cases"][0]["due_date"] == day0 + dt.timedelta(days=3)
    assert late_on(day0 + dt.timedelta(days=6))["count"] == 1
    with time_machine.travel(dt.datetime.combine(day0 + dt.timedelta(days=6), dt.time(10),
                                                 tzinfo=timezone.get_current_timezone()), tick=False):
        clocks.clock_stop(case=case, stage="supplement")
    assert late_on(day0 + dt.timedelta(days=6))["count"] == 0


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL plans")
def test_the_count_reads_the_due_index_alone(db, django_assert_num_queries):
    """On generated cases (a realistic share of them with a running clock,
    some past due) and analysed tables, the count of each role's late cases
    is a range of case_due_idx with the visibility checked on its rows: no
    scan of the cases table, nothing read of the clocks (an EXISTS on them
    made PostgreSQL hash every late clock, a cost that grew with the
    table). Two queries: the count and the first clocks."""
    call_command("generate_cases", count=4000, counties=3, stdout=open("/dev/null", "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for role in ("admin", "intake", "inspector", "supervisor", "committee"):
        user = User.objects.get(username=f"synthetic-{role}")
        dashboard_overdue(user=user)  # the user's memberships cached
        with CaptureQueriesContext(connection) as ctx, django_assert_num_queries(2):
            result = dashboard_overdue(user=user)
        assert result["count"] == _late_cases(user) and not result["count_approximate"]
        [count] = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + count)
            plan = cursor.fetchone()[0]
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        scans = [n for n in _nodes(plan) if n.get("Relation Name") in ("cases_case", "deadlines_clock")]
        assert [n.get("Index Name") for n in scans] == ["case_due_idx"], (role, scans)
        assert all(n["Node Type"] != "Seq Scan" for n in scans), (role, scans)
    assert _late_cases(User.objects.get(username="synthetic-admin")) > 50
