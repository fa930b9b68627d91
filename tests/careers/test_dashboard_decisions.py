"""The dashboard compares the accountability organ's decision with the
ruling (issue 17): ruling result × decision counts, from the maintained
figures (dashboard.FigureCell), equal to a recount, on the page and in the
API's stats."""

import pytest
from rest_framework.test import APIClient

from careers import services
from dashboard.selectors import dashboard_stats
from dashboard.services import figures_fold_all, figures_recount

from .conftest import rule

pytestmark = pytest.mark.django_db


def _decide(case, users, today, decision, form=""):
    return services.accountability_decision_record(
        case=case, actor=users["inspector1"], organ="县纪委", decision=decision, form=form, decided_on=today,
        document_number=f"怀纪〔2026〕{case.pk}号")


def test_decisions_beside_rulings_from_the_maintained_figures(mitigated, users, today, client,
                                                              django_assert_num_queries):
    figures_fold_all()
    assert dashboard_stats(user=users["supervisor"])["decision_vs_ruling"] == []
    _decide(mitigated, users, today, "lighter")
    other = rule(users)
    _decide(other, users, today, "accountable", form="circular")
    # Marked by the decision's case event; before and after the fold the
    # maintained figures equal a recount.
    for _fold in (False, True):
        maintained = dashboard_stats(user=users["supervisor"])
        assert maintained == dashboard_stats(user=users["supervisor"], recount=True)
        figures_fold_all()
    [row] = maintained["decision_vs_ruling"]
    # Columns: 免予问责, 从轻, 减轻, 问责.
    assert row["result"] == "mitigated" and row["decisions"] == [0, 1, 0, 1] and row["total"] == 2
    # A revoked ruling's decision counts under "revoked".
    third = rule(users)
    services.obligations_open(case_id=third.pk)
    services.ruling_revoke(case=third, actor=users["committee1"], held_on=today, participants="孙丽、周杰",
                           reason="材料造假")
    _decide(third, users, today, "accountable", form="admonition")
    figures_fold_all()
    rows = {r["result"]: r for r in dashboard_stats(user=users["supervisor"])["decision_vs_ruling"]}
    assert rows["revoked"]["decisions"] == [0, 0, 0, 1]
    # The set-based recount (dashboard.recount) counts the decisions alike.
    assert figures_recount(repair=False) == []

    client.force_login(users["supervisor"])
    client.get("/dashboard/")
    # The table reads the same cells: no query of its own.
    with django_assert_num_queries(DASHBOARD_PAGE_QUERIES):
        body = client.get("/dashboard/").content.decode()
    assert 'data-table="decision_vs_ruling"' in body and "从轻" in body
    api = APIClient()
    api.force_authenticate(users["supervisor"])
    stats = api.get("/api/v1/stats/").json()
    assert {r["result"] for r in stats["decision_vs_ruling"]} == {"mitigated", "revoked"}


def test_another_jurisdiction_counts_none_of_them(mitigated, users, today):
    _decide(mitigated, users, today, "reduced")
    figures_fold_all()
    assert dashboard_stats(user=users["km_inspector"])["decision_vs_ruling"] == []


# The dashboard page read from the cells, measured (the decisions table
# adds no query: its labels are the model's choices; time per stage reads
# its radix cells in four, dashboard.selectors.stay_summaries).
DASHBOARD_PAGE_QUERIES = 20
