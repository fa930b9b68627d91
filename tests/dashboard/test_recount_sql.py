"""The set-based recount (dashboard.recount, PostgreSQL) computes every
case's cells as ``selectors.case_figures`` does, case by case: the fold
and the live counting use the Python, the full recount the SQL, and
``recount_stats --check`` must find them equal."""

import datetime as dt

import pytest
from django.core.management import call_command

from cases.models import Case
from dashboard.models import CaseFigure
from dashboard.selectors import case_figures
from dashboard.services import figures_fold_all, figures_recount
from deadlines.models import ClockEntry

from .conftest import at, clock, history, make_case

pytestmark = pytest.mark.django_db


def _entries(c, entries):
    for kind, when in entries:
        entry = ClockEntry.objects.create(clock=c, kind=kind, on=when.date())
        ClockEntry.objects.filter(pk=entry.pk).update(created_at=when)


@pytest.fixture
def paused(world, known):
    """Stays cut by pauses of every shape the Python reads: two clocks'
    pauses overlapping, a pause never resumed, a second pause while paused
    and a resume while running (both ignored), a resume before any pause,
    two stays in one stage, a stay of exactly half a tenth of a day (0.05
    and 0.25 days: rounded half up on both sides), a change to the same
    stage and one to no stage (not stays)."""
    a = make_case(world, stage="deliberation", title="重叠")
    history(a, [("submitted", "verification", at(3)), ("verification", "deliberation", at(20, hour=17))])
    clock(a, pauses=[(at(5), at(8))])
    clock(a, stage="intake", pauses=[(at(7), at(10, hour=13))])
    b = make_case(world, stage="defence", title="未复")
    history(b, [("submitted", "verification", at(3)), ("verification", "defence", at(9))])
    clock(b, pauses=[(at(6, hour=11), None)])
    c = make_case(world, stage="ruled", outcome="rejected", title="乱序")
    history(c, [("submitted", "verification", at(2)), ("verification", "verification", at(4)),
                ("verification", "", at(5)), ("verification", "defence", at(12)),
                ("defence", "verification", at(14)), ("verification", "ruled", at(16, hour=6))])
    _entries(clock(c), [("resume", at(2, hour=12)), ("pause", at(3)), ("pause", at(3, hour=15)),
                        ("resume", at(6)), ("resume", at(7)), ("pause", at(15)), ("resume", at(15, hour=2))])
    d = make_case(world, stage="defence", title="半")
    history(d, [("submitted", "verification", at(3)),
                ("verification", "deliberation", at(3) + dt.timedelta(hours=1, minutes=12)),
                ("deliberation", "defence", at(3) + dt.timedelta(hours=7, minutes=12))])
    return known


def _sorted(cells):
    return sorted((kind, a, b, n, round(total, 6)) for kind, a, b, n, total in cells)


def test_the_sql_recount_stores_what_case_figures_computes(paused, world):
    call_command("generate_cases", count=80, counties=2, stdout=open("/dev/null", "w"))  # noqa: SIM115
    figures_recount()
    python = case_figures(Case.objects.exclude(stage="draft"))
    stored = {f.case_id: f for f in CaseFigure.objects.all()}
    assert set(stored) == set(python)
    for case_id, (jur, unit, year, cells) in python.items():
        f = stored[case_id]
        assert (f.jurisdiction_id, f.unit_id, f.year) == (jur, unit, year), case_id
        assert _sorted(f.cells) == _sorted(cells), case_id
    stays = {c[2] for cells in (python[x.pk][3] for x in Case.objects.filter(title="半")) for c in cells
             if c[0] == "stay"}
    assert stays == {"0.1", "0.3"}
    kinds = {c[0] for _j, _u, _y, cells in python.values() for c in cells}
    assert {"case", "submitted", "scenario", "ruled", "stay"} <= kinds


def test_the_fold_and_the_sql_recount_agree(paused):
    """Cells folded by the Python equal the SQL's sums; a recount with
    repair leaves them as they were."""
    figures_fold_all()
    assert figures_recount(repair=False) == []
    before = sorted(CaseFigure.objects.values_list("case_id", "jurisdiction_id", "year"))
    assert figures_recount() == []
    assert sorted(CaseFigure.objects.values_list("case_id", "jurisdiction_id", "year")) == before
    assert figures_recount(repair=False, batch=2) == []
