"""The maintained figures (dashboard.models.FigureCell): whatever wrote the
rows and whether or not the fold has run, the dashboard equals a recount of
the visible cases, in a number of queries that does not grow with them.
The tests marked embedded also run on SQLite (its own triggers)."""

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case
from dashboard.models import CaseFigure, FigureCell, FigureDirty
from dashboard.selectors import dashboard_stats
from dashboard.services import figures_fold_all, figures_recount
from reviews.models import Recusal

from .conftest import at, clock, history, make_case

pytestmark = pytest.mark.django_db

VIEWERS = ["intake", "km_intake", "admin", "inspector1", "supervisor", "committee1", "km_inspector"]
FILTERS = [{}, {"year": 2026}, {"year": 2025}]


def _assert_equal_to_recount(users, units):
    for name in VIEWERS:
        for filters in [*FILTERS, {"jurisdiction": units["kunming"].pk}, {"jurisdiction": units["huailai"].pk}]:
            maintained = dashboard_stats(user=users[name], filters=filters)
            recount = dashboard_stats(user=users[name], filters=filters, recount=True)
            assert maintained == recount, (name, filters)


@pytest.fixture
def more(known, world):
    """Histories with stays (one paused), a case in the inspector's own
    unit, one he is recused from, and his own draft."""
    h = make_case(world, stage="defence", title="壬案", number="怀容〔2026〕第0006号")
    history(h, [("draft", "submitted", at(2)), ("submitted", "verification", at(3)),
                ("verification", "defence", at(11, hour=15))])
    clock(h, pauses=[(at(5), at(7)), (at(9), None)])
    same_unit = make_case(world, applicant="intake", stage="verification", title="癸案",
                          number="怀容〔2026〕第0007号", submitted_at=at(4, year=2025))
    history(same_unit, [("submitted", "verification", at(6, year=2025))])
    Recusal.objects.create(case=known["overdue"], user=world["users"]["inspector1"], reason="亲属")
    make_case(world, applicant="inspector1", stage="draft", title="子案")
    return known


@pytest.mark.embedded
def test_before_and_after_the_fold_the_figures_equal_a_recount(more, users, units):
    """Every case written is marked by the database (triggers), so the
    figures are right before any fold; after it, from the cells."""
    assert FigureDirty.objects.exists()
    _assert_equal_to_recount(users, units)
    figures_fold_all()
    assert not FigureDirty.objects.exists() and FigureCell.objects.exists()
    _assert_equal_to_recount(users, units)


@pytest.mark.embedded
def test_a_change_after_the_fold_counts_at_once(more, users, units):
    """A case moved, ruled, or given another scenario after the fold is
    counted live until the next one, then from the cells."""
    figures_fold_all()
    case = more["submitted"]
    Case.objects.filter(pk=case.pk).update(stage="closed", outcome="exempt")
    history(case, [("submitted", "closed", at(20))])
    case.claimed_scenarios.clear()
    assert FigureDirty.objects.filter(case_id=case.pk).exists()
    _assert_equal_to_recount(users, units)
    by_result = {r["result"]: r["count"] for r in dashboard_stats(user=users["intake"])["by_result"]}
    assert by_result["exempt"] == 2
    figures_fold_all()
    _assert_equal_to_recount(users, units)


def test_recount_checks_and_repairs(more, users, units):
    """recount_stats --check finds a wrong cell and changes nothing;
    recount_stats puts it right."""
    figures_fold_all()
    call_command("recount_stats", "--check")
    cell = FigureCell.objects.filter(kind="case").first()
    FigureCell.objects.filter(pk=cell.pk).update(n=cell.n + 5)
    with pytest.raises(CommandError, match="1 cells differ"):
        call_command("recount_stats", "--check")
    assert FigureCell.objects.get(pk=cell.pk).n == cell.n + 5
    call_command("recount_stats")
    assert figures_recount(repair=False) == []
    assert CaseFigure.objects.count() == Case.objects.exclude(stage="draft").count()
    _assert_equal_to_recount(users, units)


def test_stats_query_count_does_not_grow(more, world, users, django_assert_num_queries):
    """After the fold the stats API reads the cells: the same number of
    queries for ten more cases (and the same as with one changed case)."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["intake"])
    figures_fold_all()
    api.get("/api/v1/stats/")  # caches warmed (content types, translations)
    # (Time per stage: four of them, stay_summaries.)
    with django_assert_num_queries(13):
        assert api.get("/api/v1/stats/").status_code == 200
    for i in range(10):
        c = make_case(world, stage="verification", title=f"增{i}", submitted_at=at(1, month=1))
        history(c, [("submitted", "verification", at(2, month=1))])
    figures_fold_all()
    with django_assert_num_queries(13):
        body = api.get("/api/v1/stats/").json()
    assert body["total"] == 17
    # A changed case adds the queries that count it live (its rows, its
    # stored contribution, its accountability decision), not one per case.
    Case.objects.filter(pk=c.pk).update(stage="defence")
    with django_assert_num_queries(21):
        assert api.get("/api/v1/stats/").json()["total"] == 17


def test_generated_cases_are_recounted(db):
    """generate_cases leaves the figures built (and equal to a recount)."""
    call_command("generate_cases", count=60, counties=2, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not FigureDirty.objects.exists()
    assert figures_recount(repair=False) == []
    assert FigureCell.objects.filter(kind="case").exists()


def test_the_figures_but_time_per_stage_skip_its_cells(more, users):
    """The cells other than time per stage are read off their own partial
    index (figurecell_not_stay), not through the time-per-stage cells,
    which are nearly all of them. The test's few cases fold into a few
    dozen cells, on which the planner may as well read the unique index; so
    the cells are given the proportion a real table has (about 98 % time per
    stage, one per tenth of a day) and analysed, as autovacuum would. (On a
    few thousand rows the planner may still prefer a sequential scan: asked
    with it off, the index is usable.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures_fold_all()
    places = sorted(set(FigureCell.objects.values_list("jurisdiction_id", flat=True)))
    FigureCell.objects.bulk_create(
        FigureCell(jurisdiction_id=j, year=1999, kind="stay", a="verification", b=f"{tenth / 10:.1f}", n=1)
        for j in places for tenth in range(3000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dashboard_figurecell")
    with CaptureQueriesContext(connection) as ctx:
        dashboard_stats(user=users["admin"])
    [sql] = [q["sql"] for q in ctx.captured_queries
             if 'FROM "dashboard_figurecell"' in q["sql"] and "NOT (\"dashboard_figurecell\".\"kind\" IN (" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "figurecell_not_stay" in plan, plan
