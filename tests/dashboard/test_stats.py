"""Dashboard figures: scoped to what the user may see, exemption rates,
overdue clocks, the monthly trend, and time per stage without paused
time."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from cases.models import Case
from dashboard.selectors import dashboard_stats, time_per_stage

from .conftest import at, clock, history, make_case

pytestmark = pytest.mark.django_db


def _by(rows, key="stage", value="count"):
    return {r[key]: r[value] for r in rows}


def test_figures_for_intake_of_huailai(known, users):
    """Intake of 怀来 sees its five non-draft cases: by stage, by result,
    exemption rate by jurisdiction and by scenario, one overdue case."""
    stats = dashboard_stats(user=users["intake"])
    assert stats["total"] == 5
    assert _by(stats["by_stage"]) == {"submitted": 1, "verification": 1, "ruled": 2, "closed": 1}
    assert _by(stats["by_result"], "result") == {"exempt": 1, "mitigated": 1, "rejected": 1}
    assert stats["rate_by_jurisdiction"] == [
        {"name": "怀来县", "decided": 3, "exempt": 1, "mitigated": 1, "rejected": 1, "exempt_rate": 33.3,
         "tolerance_rate": 66.7}
    ]
    rates = {r["name"]: (r["decided"], r["exempt"], r["exempt_rate"]) for r in stats["rate_by_scenario"]}
    assert rates == {"改革创新": (2, 1, 50.0), "应急处置": (1, 0, 0.0)}
    assert stats["overdue"]["count"] == 1
    assert [c["number"] for c in stats["overdue"]["cases"]] == ["怀容〔2026〕第0004号"]
    assert stats["overdue"]["cases"][0]["days_overdue"] == 3


def test_figures_are_scoped(known, users):
    """Kunming intake sees only the Kunming case; the superuser admin sees
    both jurisdictions, never a draft."""
    km = dashboard_stats(user=users["km_intake"])
    assert km["total"] == 1 and km["rate_by_jurisdiction"][0]["name"] == "昆明市"
    assert km["overdue"]["count"] == 0
    admin = dashboard_stats(user=users["admin"])
    assert admin["total"] == 6
    assert {r["name"]: r["exempt_rate"] for r in admin["rate_by_jurisdiction"]} == {"怀来县": 33.3, "昆明市": 100.0}


def test_filter_by_jurisdiction(known, users, units):
    """The jurisdiction filter narrows the admin's figures."""
    stats = dashboard_stats(user=users["admin"], filters={"jurisdiction": units["kunming"].pk})
    assert stats["total"] == 1


def test_trend_by_month(known, users):
    """Submissions are counted by month over the last twelve months."""
    with time_machine.travel(at(20, month=3), tick=False):
        stats = dashboard_stats(user=users["intake"])
    trend = {r["month"]: r["submitted"] for r in stats["trend"]}
    assert len(stats["trend"]) == 12 and stats["trend"][-1]["month"] == "2026-03"
    assert trend["2026-03"] == 4 and trend["2026-02"] == 1 and trend["2026-01"] == 0


def test_time_per_stage_excludes_paused_time(world, users):
    """Case H: 1 day awaiting intake, 10 days in verification of which 3
    with the clock paused: 7 days. Case I: 2 days awaiting intake, 5 days
    waiting for a supplement (not counted), 1 more day awaiting intake:
    3 days. Averages: intake 2.0 days over two cases, verification 7.0."""
    h = make_case(world, stage="deliberation", title="H")
    history(h, [("draft", "submitted", at(2)), ("submitted", "verification", at(3)),
                ("verification", "deliberation", at(13))])
    clock(h, pauses=[(at(5), at(8))])
    i = make_case(world, stage="verification", title="I")
    history(i, [("draft", "submitted", at(2)), ("submitted", "supplement", at(4)),
                ("supplement", "submitted", at(9)), ("submitted", "verification", at(10))])
    clock(i, stage="intake", pauses=[(at(4), at(9))])
    rows = {r["stage"]: r for r in time_per_stage(Case.objects.filter(pk__in=[h.pk, i.pk]))}
    assert rows["submitted"]["cases"] == 2 and rows["submitted"]["avg_days"] == 2.0
    assert rows["submitted"]["max_days"] == 3.0
    assert rows["verification"]["cases"] == 1 and rows["verification"]["avg_days"] == 7.0
    assert "supplement" not in rows and "deliberation" not in rows  # still there / paused


def test_a_pause_still_open_counts_until_now(world):
    """A clock paused and never resumed takes out the time up to the end
    of the stay."""
    h = make_case(world, stage="deliberation", title="H")
    history(h, [("submitted", "verification", at(3)), ("verification", "deliberation", at(13))])
    clock(h, pauses=[(at(11), None)])
    with time_machine.travel(at(20), tick=False):
        rows = {r["stage"]: r for r in time_per_stage(Case.objects.filter(pk=h.pk))}
    assert rows["verification"]["avg_days"] == 8.0


def test_stats_api(known, users, django_assert_num_queries):
    """GET /api/v1/stats/ gives the same figures to staff in a fixed
    number of queries; an applicant is refused."""
    api = APIClient()
    api.force_authenticate(users["intake"])
    # Nothing folded yet: every case is counted live (test_figures pins
    # the count read from the cells).
    with django_assert_num_queries(19):
        response = api.get("/api/v1/stats/")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5 and body["overdue"]["count"] == 1
    assert body["rate_by_jurisdiction"][0]["exempt_rate"] == 33.3
    api.force_authenticate(users["applicant"])
    assert api.get("/api/v1/stats/").status_code == 403


def test_dashboard_page_has_tables_and_chart_data(known, users):
    """The page shows every figure in a table and carries the chart data
    in a JSON block (no inline script)."""
    client = Client()
    client.force_login(users["intake"])
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard-data" type="application/json"' in html
    # Five charts: time per stage has no completed stay here, so only its
    # "no data" note shows.
    assert html.count('data-chart="') == 5
    assert "怀容〔2026〕第0004号" in html and "33.3" in html
    client.force_login(users["applicant"])
    assert client.get("/dashboard/").status_code == 403


def test_overdue_ignores_stopped_and_future_clocks(world, users):
    """Only running clocks past their due date count as overdue."""
    case = make_case(world, stage="verification")
    clock(case, due=dt.date.today() + dt.timedelta(days=10))
    assert dashboard_stats(user=users["intake"])["overdue"]["count"] == 0



def test_dashboard_counts_prefilings_and_open_warnings(world, users):
    """The dashboard lists the pre-filings the user may see by status, and open early warnings."""
    from django.test import Client

    from prefilings.models import EarlyWarning, PreFiling

    filing = PreFiling.objects.create(
        status=PreFiling.Status.REGISTERED, unit=world["units"]["huailai-edu"], filed_by=users["applicant"],
        jurisdiction=world["units"]["huailai"], policy_version=world["policy"], title="课后服务改革试点",
        number="怀容备〔2026〕第0001号", number_year=2026, number_seq=1,
    )
    EarlyWarning.objects.create(prefiling=filing, source=EarlyWarning.Source.values[0], description="进度报告逾期未报")
    client = Client()
    client.force_login(users["intake"])
    rows = [(str(label), n) for label, n in client.get("/dashboard/").context["prefilings"]]
    assert (str(PreFiling.Status.REGISTERED.label), 1) in rows
    assert rows[-1][1] == 1 and "预警" in rows[-1][0]
    client.force_login(users["km_intake"])
    assert client.get("/dashboard/").context["prefilings"][-1][1] == 0


def test_rate_by_the_scenario_ruled(known, users):
    """Issue 16: 免责率 is grouped by the scenario the ruling relied on, not
    the one claimed; a ruling relying on none counts under the claimed one."""
    from policies.models import PolicyItem
    from reviews.models import Ruling

    case = known["exempt"]
    emergency = PolicyItem.objects.get(version=case.policy_version, kind="positive", title="应急处置")
    ruling = Ruling.objects.create(case=case, result="exempt", reasons="测试", decided_on=dt.date(2026, 3, 2),
                                   recorded_by=users["committee1"], is_current=True)
    ruling.applied_items.set([emergency])
    stats = dashboard_stats(user=users["intake"])
    rates = {r["name"]: (r["decided"], r["exempt"], r["exempt_rate"]) for r in stats["rate_by_scenario"]}
    assert rates == {"改革创新": (1, 0, 0.0), "应急处置": (2, 1, 50.0)}
