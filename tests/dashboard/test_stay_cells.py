"""Time per stage in radix cells (dashboard.models.STAY_LEVELS, issue 19):
the maintained figures read the 100-day cells, then ten cells a level
inside those that hold the median and the longest, down to the tenth of a
day, so that the cells read for one jurisdiction, year and stage are
bounded whatever the number of cases, and the figures stay exactly those
of a recount. The tests marked embedded also run on SQLite."""

import datetime as dt
import math
import re
import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import STAY_KINDS, FigureCell
from dashboard.recount import stay_levels_rebuild
from dashboard.selectors import dashboard_stats
from dashboard.services import figures_fold_all, figures_recount

from .conftest import at, history, make_case

pytestmark = pytest.mark.django_db

# Days in verification across every radix: zero, under a tenth, at and
# across a day, ten days and a hundred days, and over a thousand (a 100-day
# key of two digits).
EDGES = [0.0, 0.04, 0.06, 0.95, 1.0, 9.95, 10.0, 99.9, 100.0, 100.1, 150.0, 999.9, 1000.0, 1234.5]
STAGE_LEVELS = ("stay100", "stay10", "stay1", "stay")
# The cells one stage can make the descent read: every 100-day cell, and
# at each finer level ten for each of the three ranks shown (the two middle
# ones and the last).
ROWS_PER_LEVEL = 3 * 10


def _spread(i: int) -> float:
    """Days of the i-th case: spread over 0–420 days in tenths."""
    return (i * 373 % 4200) / 10


def _case(world, days: float, n: int):
    start = at(1, month=1, year=2023)
    case = make_case(world, stage="deliberation", title=f"时长{n}", submitted_at=at(2, year=2026))
    history(case, [("submitted", "verification", start),
                   ("verification", "deliberation", start + dt.timedelta(days=days))])
    return case


def _verification(user):
    rows = {r["stage"]: r for r in dashboard_stats(user=user)["time_per_stage"]}
    return rows["verification"]


def _stay_rows_read(user) -> tuple[int, int]:
    """(queries, cells they read) of time per stage in one dashboard read:
    each query's WHERE counted on the cells."""
    with CaptureQueriesContext(connection) as ctx:
        dashboard_stats(user=user)
    sqls = _stay_queries(ctx)
    read = 0
    with connection.cursor() as cursor:
        for sql in sqls:
            for where in re.findall(r" WHERE (.*?) GROUP BY ", sql):
                cursor.execute(f"SELECT COUNT(*) FROM dashboard_figurecell WHERE {where}")
                read += cursor.fetchone()[0]
    return len(sqls), read


def _stay_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries
            if any(f"FROM dashboard_figurecell WHERE kind = '{kind}'" in q["sql"] for kind in STAGE_LEVELS)]


def _bound() -> int:
    return FigureCell.objects.filter(kind="stay100").count() + ROWS_PER_LEVEL * 3


@pytest.mark.embedded
def test_durations_across_every_radix_equal_a_recount(world, users):
    """Median (of an even and an odd number of cases), average and longest,
    from the cells, before and after the fold, equal a recount and the
    durations themselves."""
    admin = users["admin"]
    for i, days in enumerate(EDGES):
        _case(world, days, i)
    tenths = [math.floor(d * 10 + 0.5 + 1e-9) / 10 for d in EDGES]  # to 0.1 day, half up
    figures_fold_all()
    row = _verification(admin)
    assert row["cases"] == len(EDGES)
    assert row["median_days"] == round(statistics.median(tenths), 1)
    assert row["max_days"] == 1234.5
    assert row["avg_days"] == round(sum(EDGES) / len(EDGES), 1)
    assert dashboard_stats(user=admin) == dashboard_stats(user=admin, recount=True)
    assert figures_recount(repair=False) == []
    # An odd count, the middle in another 100-day cell; one case not yet
    # folded (counted live through every level).
    _case(world, 420.0, 99)
    assert dashboard_stats(user=admin) == dashboard_stats(user=admin, recount=True)
    row = _verification(admin)
    assert row["median_days"] == round(statistics.median([*tenths, 420.0]), 1) and row["cases"] == len(EDGES) + 1
    figures_fold_all()
    assert dashboard_stats(user=admin) == dashboard_stats(user=admin, recount=True)
    assert figures_recount(repair=False) == []
    kinds = set(FigureCell.objects.filter(kind__in=STAY_KINDS).values_list("kind", flat=True))
    assert kinds == set(STAY_KINDS)
    assert FigureCell.objects.filter(kind="stay100", b="12").exists()  # 1234.5 days


@pytest.mark.embedded
def test_the_stay_cells_read_are_bounded_as_cases_grow(world, users):
    """10 cases then 300 with durations spread over 420 days: the same four
    queries, and no more cells read than the 100-day cells and ten per rank
    and level, though the 300 cases have hundreds of 0.1-day cells."""
    admin = users["admin"]
    for i in range(10):
        _case(world, _spread(i), i)
    figures_fold_all()
    queries, few = _stay_rows_read(admin)
    assert queries == 4 and few <= _bound()
    for i in range(10, 300):
        _case(world, _spread(i), i)
    figures_fold_all()
    fine = FigureCell.objects.filter(kind="stay", a="verification").count()
    queries, many = _stay_rows_read(admin)
    assert queries == 4 and many <= _bound() <= 5 + ROWS_PER_LEVEL * 3
    assert fine > 2 * _bound(), fine  # what the read would otherwise sum
    assert dashboard_stats(user=admin) == dashboard_stats(user=admin, recount=True)
    assert figures_recount(repair=False) == []


@pytest.mark.embedded
def test_the_migration_rebuilds_the_coarse_cells(world, users):
    """A database folded before the radix cells has only the 0.1-day ones:
    the migration's step (stay_levels_rebuild) makes the rest, equal to a
    recount."""
    for i in range(40):
        _case(world, _spread(i) * 3, i)
    figures_fold_all()
    coarse = [k for k in STAY_KINDS if k != "stay"]
    before = sorted(FigureCell.objects.filter(kind__in=coarse).values_list("jurisdiction_id", "year", "kind", "a",
                                                                            "b", "n"))
    FigureCell.objects.filter(kind__in=coarse).delete()
    assert figures_recount(repair=False) != []
    stay_levels_rebuild(connection)
    assert figures_recount(repair=False) == []
    assert sorted(FigureCell.objects.filter(kind__in=coarse).values_list("jurisdiction_id", "year", "kind", "a", "b",
                                                                          "n")) == before
    assert dashboard_stats(user=users["admin"]) == dashboard_stats(user=users["admin"], recount=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_time_per_stage_reads_its_index(world, users):
    """Each level is read off figurecell_stay (kind, stage, key first), not
    the unique index (jurisdiction, year first: every cell of the
    jurisdiction). The cells are given a real table's proportion
    (stay_cells_of_a_large_table); asked with sequential scans off, as
    test_figures' plan test does (on a few thousand rows the planner may
    prefer one)."""
    stay_cells_of_a_large_table(world)
    with CaptureQueriesContext(connection) as ctx:
        dashboard_stats(user=users["admin"])
    sqls = _stay_queries(ctx)
    assert len(sqls) == 4
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in sqls:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "figurecell_stay" in plan and "uniq_figure_cell" not in plan, plan


def stay_cells_of_a_large_table(world) -> None:
    """Cells in a real table's proportion (a few thousand 0.1-day cells per
    jurisdiction, and their coarse ones), analysed as autovacuum would."""
    for i in range(20):
        _case(world, _spread(i), i)
    figures_fold_all()
    places = sorted(set(FigureCell.objects.values_list("jurisdiction_id", flat=True)))
    FigureCell.objects.bulk_create(
        FigureCell(jurisdiction_id=j, year=year, kind="stay", a=stage, b=f"{tenth // 10}.{tenth % 10}", n=1)
        for j in places for year in (2024, 2025) for stage in ("submitted", "verification")
        for tenth in range(1500))
    stay_levels_rebuild(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dashboard_figurecell")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_time_per_stage_finds_its_cells_by_key(world, users):
    """At the 1-day and 0.1-day levels (hundreds and thousands of cells a
    stage), each stage's ten keys a rank are the index's condition (a
    descent per key), not a filter on every cell of the stage, and the
    jurisdictions visible filter the cells found, not multiply the descents
    (dashboard 0006, issue 19). Planned as they come, on the statistics of
    stay_cells_of_a_large_table. (At 10 days, a few dozen cells a stage
    here, reading them all is the cheaper plan.)"""
    stay_cells_of_a_large_table(world)
    with CaptureQueriesContext(connection) as ctx:
        dashboard_stats(user=users["admin"])
    levels = [sql for sql in _stay_queries(ctx)
              if any(f"FROM dashboard_figurecell WHERE kind = '{kind}'" in sql for kind in ("stay1", "stay"))]
    assert len(levels) == 2 and all(" b IN (" in sql for sql in levels)
    with connection.cursor() as cursor:
        for sql in levels:
            cursor.execute("EXPLAIN " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            conds = [line for line in plan if "Index Cond:" in line]
            filters = [line for line in plan if "Filter:" in line]
            assert len(conds) == sql.count(" b IN ("), plan
            assert all("(b = ANY " in c and "jurisdiction_id" not in c for c in conds), "\n".join(plan)
            assert not any("(b)::text = ANY" in f for f in filters), plan
