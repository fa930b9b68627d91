"""In a browser: the dashboard draws its charts (ECharts canvases from
static/vendor) and its tables hold the figures of a known set of cases."""

import pytest

from .conftest import at, history

pytestmark = pytest.mark.django_db(transaction=True)


def _table(page, key):
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in page.locator(f"table[data-table='{key}'] tbody tr").all()
    ]


def test_charts_render_with_the_right_numbers(known, page, login):
    """Intake of 怀来: six charts drawn on canvases, and the tables say 5
    cases, 2 ruled, a 33.3 % exemption rate, 5 days in verification and
    one overdue case."""
    history(known["exempt"], [("submitted", "verification", at(3)), ("verification", "deliberation", at(8))])
    login("intake")
    page.goto("/dashboard/")
    page.wait_for_selector("[data-chart='by_stage'] canvas")
    assert page.locator("[data-chart][data-drawn='true']").count() == 6
    assert page.locator("[data-chart] canvas").count() >= 6
    assert page.locator("#total-cases").inner_text() == "5"
    assert page.locator("#overdue-count").inner_text() == "1"
    stages = dict(_table(page, "by_stage"))
    assert stages == {"待受理": "1", "核实": "1", "已认定": "2", "已办结": "1"}
    assert _table(page, "rate_by_jurisdiction") == [["怀来县", "3", "1", "1", "1", "33.3", "66.7"]]
    # 免责率 then 容错率 (a mitigated ruling is tolerated too).
    assert {r[0]: r[-2:] for r in _table(page, "rate_by_scenario")} == {"改革创新": ["50.0", "50.0"],
                                                                        "应急处置": ["0.0", "100.0"]}
    assert _table(page, "time_per_stage") == [["核实", "1", "5.0", "5.0", "5.0"]]
    assert _table(page, "overdue")[0][0] == "怀容〔2026〕第0004号"
    errors = []
    page.on("pageerror", lambda exc: errors.append(exc))
    page.reload()
    page.wait_for_selector("[data-chart='trend'] canvas")
    assert errors == []
