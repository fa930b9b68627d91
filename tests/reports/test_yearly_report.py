"""The yearly report (年度容错纠错工作情况统计表): a year of 怀来县 cases
driven through the services, every figure checked against what the test
itself knows about those cases — on the page, in the API, in the Excel
file (read back with openpyxl) and in the PDF (pdftotext)."""

import datetime as dt
import io
import re
import subprocess
from statistics import median

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import Case
from clarifications import services as clarification_services
from deadlines.models import Clock
from reports.selectors import YEARLY_QUERIES, yearly_report
from reviews import services as review_services
from tests.corrections.conftest import do
from tests.reviews.conftest import (
    all_met,
    assess,
    fill_draft,
    items,
    review_members,
    to_ruled,
    vote_all,
)

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
CUTOFF = dt.date(2026, 11, 30)


def on(year, month, day):
    return time_machine.travel(dt.datetime(year, month, day, 10, 0, tzinfo=TZ), tick=False)


def file_case(users, title):
    """Filed and forwarded by the unit: awaiting intake, its clock running."""
    case = case_services.case_create(actor=users["applicant"], title=title)
    fill_draft(case, users["applicant"])
    case_services.case_submit(case=case, actor=users["applicant"])
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2025, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    return case


def rule_rejected(case, users, negative):
    review_services.case_assign(case=case, actor=users["supervisor"],
                                inspectors=[users["inspector1"], users["inspector2"]])
    # The condition the negative item contradicts is found not met (the
    # assessment refuses the pair as 符合 beside its negative item).
    conditions = all_met(case)
    for item in negative.contradicts.all():
        conditions[str(item.pk)] = {"met": False, "reason": "经核实存在谋取私利情形"}
    assess(case, users["inspector1"], conditions=conditions, negatives=[negative])
    review_services.case_preliminary_report(case=case, actor=users["inspector2"], recommended_result="rejected",
                                            summary="存在谋取私利情形。")
    review_services.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
    vote_all(case, users, results=("rejected",) * 3)
    review_services.case_rule(case=case, actor=users["committee1"], result="rejected", reasons="不符合容错条件。")


@pytest.fixture
def year_of_cases(world, users):
    """2026 in 怀来县: A exempt (corrected, clarified publicly in its unit,
    a false accusation referred), B mitigated then changed to exempt on
    review, C rejected under a negative-list item, D not accepted, E
    withdrawn, F proactive, H mitigated; G was filed and accepted in 2025.
    Stand-alone clarification cases (澄清正名事项, no application): R1
    cleared in public and the false accusation referred, R2 cleared in its
    system, R3 found true (no clarification)."""
    c = {}
    with on(2025, 6, 2):
        c["G"] = file_case(users, "G 二〇二五年申请")
    with on(2025, 6, 4):
        case_services.case_accept(case=c["G"], actor=users["intake"])
    with on(2026, 3, 2):
        for name in "ABCDEH":
            c[name] = file_case(users, f"{name} 申请容错")
        c["F"] = review_services.case_open_proactive(
            actor=users["inspector1"], applicant=users["applicant2"], unit=users["applicant2"].org_unit,
            title="F 主动容错", trigger="问责调查中发现")
    with on(2026, 3, 3):
        case_services.case_request_supplement(case=c["B"], actor=users["intake"], missing="缺少会议纪要")
        case_services.case_not_accept(case=c["D"], actor=users["intake"], reason="不属于容错范围")
        case_services.case_withdraw(case=c["E"], actor=users["applicant"], reason="本人撤回")
    with on(2026, 3, 4):
        case_services.case_accept(case=c["C"], actor=users["intake"])
    with on(2026, 3, 5):
        case_services.case_accept(case=c["A"], actor=users["intake"])
        case_services.case_accept(case=c["H"], actor=users["intake"])
    with on(2026, 3, 6):
        case_services.case_supplement(case=c["B"], actor=users["applicant"], answer="已补充会议纪要")
    with on(2026, 3, 9):
        case_services.case_accept(case=c["B"], actor=users["intake"])
    with on(2026, 3, 10):
        to_ruled(c["A"], users, result="exempt")
        to_ruled(c["B"], users, result="mitigated")
        to_ruled(c["H"], users, result="mitigated")
        rule_rejected(c["C"], users, items(c["C"], "negative")[0])
    with on(2026, 3, 12):
        review_services.case_request_review(case=c["B"], actor=users["applicant"], reasons="应免予问责")
        others = review_members(world)
        review_services.meeting_record(case=c["B"], actor=others[0], held_on=dt.date(2026, 3, 12),
                                       members_present=others)
        for member in others:
            review_services.vote_record(case=c["B"], actor=member, result="exempt", opinion="同意")
        review_services.case_decide_review(case=c["B"], actor=others[1], result="exempt", reasons="复核免予问责",
                                           uses=[{"item": items(c["B"], "result_use")[1]}])
    with on(2026, 3, 20):
        for step in ("start_correction", "send_correction_notice", "record_talk", "add_rectification_task",
                     "submit_rectification_report", "accept_rectification", "record_rule_change",
                     "request_clarification", "record_clarification", "issue_clarification", "record_referral"):
            do(step, c["A"], users)
        do("start_correction", c["B"], users)
    report_cases(c, users)
    for case in c.values():
        case.refresh_from_db()
    return c


def report_cases(c, users):
    inspector = users["inspector1"]
    findings = {"R1": ("untrue", "unfounded"), "R2": ("partly_true", "true"), "R3": ("true", "true")}
    with on(2026, 4, 1):
        for name, cadre in (("R1", "applicant"), ("R2", "applicant2"), ("R3", "applicant")):
            c[name] = clarification_services.clarification_case_open(
                actor=inspector, cadre=users[cadre], unit=users[cadre].org_unit, title=f"{name} 信访举报核查",
                report_number=f"怀纪信〔2026〕{name}", received_on=dt.date(2026, 3, 30), points=["问题一", "问题二"],
                reporter_name="举报人甲")
    with on(2026, 4, 8):
        for name, found in findings.items():
            for number, finding in enumerate(found, 1):
                clarification_services.point_finding_record(case=c[name], actor=inspector, number=number,
                                                            finding=finding, basis="经核查。")
            clarification_services.cadre_view_seek(case=c[name], actor=inspector)
            clarification_services.cadre_view_record(case=c[name], actor=inspector, view="本人意见。")
            clarification_services.check_conclude(case=c[name], actor=inspector, conclusion="核查完结。")
        for name, scope in (("R1", "public"), ("R2", "system")):
            clarification_services.clarification_scope_decide(case=c[name], actor=users["supervisor"], scope=scope,
                                                              method="letter")
            clarification_services.clarification_statement_issue(case=c[name], actor=inspector)
        clarification_services.false_accusation_refer(case=c["R1"], actor=inspector, referred_to="县公安局",
                                                      facts="捏造事实。")


def expected(c):
    """Every figure, from what the fixture did (not from the selector)."""
    ids = {name: case.pk for name, case in c.items()}

    def s(names):
        return {ids[n] for n in names}

    return {
        "received": s("ABCDEH"), "received_individual": s("ABCDEH"), "received_unit": set(),
        "accepted": s("ABCH"), "not_accepted": s("D"), "withdrawn": s("E"), "proactive": s("F"),
        "ruled": s("ABCH"), "exempt": s("AB"), "mitigated": s("H"), "rejected": s("C"),
        # 免责率 2 of 4 rulings; 容错率 (2 exempt + 1 mitigated) of 4.
        "exempt_rate": "50.0%", "tolerance_rate": "75.0%",
        "review_requested": s("B"), "review_decided": s("B"), "review_changed": s("B"),
        "negative:谋取私利": s("C"), "negative_none": set(),
        "use:考核": s("AH"), "use:选拔任用": s("B"),
        "correction_started": s("AB"), "correction_completed": s("A"),
        # After a ruling (A) and stand-alone (R1 public, R2 system; R3 was
        # found true and has none); the R cases are no application.
        "clarified": s(["A", "R1", "R2"]), "clarified_unit": s("A"), "clarified_system": s(["R2"]),
        "clarified_public": s(["R1"]), "referral": s(["A", "R1"]),
    }


def _figures(report):
    out = {}
    for section in report["sections"]:
        for f in section.figures:
            key = f.key
            if section.key in ("negatives", "uses") and f.key != "negative_none":
                key = f"{'negative' if section.key == 'negatives' else 'use'}:{f.label}"
            out[key] = f
    return out


def _stage_expectations(c):
    """Intake: filed on 3/2 and decided on A 3/5, B 3/9 less the three
    days paused for 补正, C 3/4, D 3/3, E (withdrawn) 3/3, H 3/5; G ended in
    2025. Every other stage: the clocks the test finds stopped in 2026,
    and those due in 2026 that ended late or still run at the cut-off."""
    intake = [3, 7 - 3, 2, 1, 1, 3]
    ended, overdue = {}, {}
    for clock in Clock.objects.filter(case__jurisdiction=c["A"].jurisdiction):
        if clock.stopped_at and timezone.localtime(clock.stopped_at).year == 2026:
            ended[clock.stage] = ended.get(clock.stage, 0) + 1
        if clock.due_date and clock.due_date.year == 2026 and clock.status != "paused":
            stop = timezone.localtime(clock.stopped_at).date() if clock.stopped_at else None
            if (stop and stop > clock.due_date) or (not stop and clock.due_date < CUTOFF):
                overdue[clock.stage] = overdue.get(clock.stage, 0) + 1
    return intake, ended, overdue


def test_every_figure_matches_the_cases(year_of_cases, users, django_assert_num_queries):
    """The selector's sets are exactly the cases the fixture put behind
    each figure, in a fixed number of queries."""
    c = year_of_cases
    jurisdiction = c["A"].jurisdiction
    with django_assert_num_queries(YEARLY_QUERIES):
        report = yearly_report(jurisdiction=jurisdiction, year=2026, today=CUTOFF)
    figures = _figures(report)
    for key, want in expected(c).items():
        got = figures[key].count if isinstance(want, str) else figures[key].cases
        assert got == want, key
    intake, ended, overdue = _stage_expectations(c)
    rows = {r["stage"]: r for r in report["stages"]}
    assert rows["intake"]["ended"] == len(intake) == ended["intake"]
    assert rows["intake"]["median_days"] == median(intake) and rows["intake"]["max_days"] == max(intake)
    assert {s: r["ended"] for s, r in rows.items() if r["ended"]} == ended
    assert {s: r["overdue"] for s, r in rows.items() if r["overdue"]} == overdue
    assert overdue, "the fixture leaves clocks overdue (feedback, filing, F's verification)"
    # The 2025 case is in 2025's report, not in 2026's.
    older = _figures(yearly_report(jurisdiction=c["G"].jurisdiction, year=2025, today=CUTOFF))
    assert older["received"].cases == older["accepted"].cases == {c["G"].pk}


def _page_figures(html: str) -> dict:
    return {key: value for key, value in re.findall(
        r'<tr data-figure="([^"]+)">.*?<td class="figure">(?:<a href="[^"]+">)?([^<]+)', html, re.S)}


def test_page_api_excel_and_pdf_show_the_same_figures(year_of_cases, users, django_assert_num_queries, tmp_path):
    """The page, GET /api/v1/reports/yearly/, the Excel sheet and the PDF
    carry every figure; the page defines both rates."""
    c = year_of_cases
    want = expected(c)
    report = yearly_report(jurisdiction=c["A"].jurisdiction, year=2026, today=CUTOFF)
    by_label = {f.key: f.label for s in report["sections"] for f in s.figures}
    values = {key: (w if isinstance(w, str) else len(w)) for key, w in want.items()}
    key_of = {k: k for k in values}
    for key, f in _figures(report).items():
        key_of[key] = f.key
    query = f"jurisdiction={c['A'].jurisdiction_id}&year=2026"
    client = Client()
    client.force_login(users["intake"])
    with on(2026, 11, 30):
        with django_assert_num_queries(YEARLY_QUERIES + 5):
            page = client.get(f"/reports/yearly/?{query}")
        api = APIClient()
        api.force_authenticate(users["intake"])
        body = api.get(f"/api/v1/reports/yearly/?{query}").json()
        xlsx = client.get(f"/reports/yearly/export.xlsx?{query}")
        pdf = client.get(f"/reports/yearly/export.pdf?{query}")
    html = page.content.decode()
    assert page.status_code == 200 and "免责率" in html and "容错率" in html
    assert "免予问责" in html and "从轻或减轻处理" in html
    shown = _page_figures(html)
    api_values = {f["key"]: f["value"] for s in body["sections"] for f in s["figures"]}
    wb = load_workbook(io.BytesIO(xlsx.content))
    ws = wb.active
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
    sheet = {}
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[1]:
            sheet.setdefault(str(row[1]).strip("　"), row[2])
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "怀来县2026年度容错纠错工作情况统计表" in text
    for key, value in values.items():
        fkey = key_of[key]
        assert str(shown[fkey]) == str(value), key
        assert api_values[fkey] == value, key
        label = by_label[fkey]
        assert sheet[label] == value, key
        assert re.search(re.escape(label) + r"\s+" + re.escape(str(value)) + r"(\s|$)", text, re.M), key
    intake = next(r for r in body["stages"] if r["stage"] == "intake")
    assert (intake["ended"], intake["median_days"], intake["max_days"]) == (6, 2.5, 4)


def test_figure_links_list_the_cases_behind_them(year_of_cases, users, django_assert_num_queries):
    """A figure links to the cases behind it (for staff who may see them);
    an unknown figure is a 404."""
    c = year_of_cases
    client = Client()
    client.force_login(users["intake"])
    query = f"jurisdiction={c['A'].jurisdiction_id}&year=2026"
    with on(2026, 11, 30):
        page = client.get(f"/reports/yearly/?{query}").content.decode()
        assert f'href="/reports/yearly/cases/?{query}&figure=exempt"'.replace("&", "&amp;") in page
        with django_assert_num_queries(YEARLY_QUERIES + 7):
            listed = client.get(f"/reports/yearly/cases/?{query}&figure=exempt").content.decode()
        assert client.get(f"/reports/yearly/cases/?{query}&figure=nonsense").status_code == 404
    assert c["A"].number in listed and c["B"].number in listed and c["C"].number not in listed


def test_only_staff_of_the_jurisdiction(year_of_cases, users):
    """An applicant is refused; Kunming's intake cannot report on 怀来县."""
    c = year_of_cases
    query = f"jurisdiction={c['A'].jurisdiction_id}&year=2026"
    api = APIClient()
    api.force_authenticate(users["applicant"])
    assert api.get(f"/api/v1/reports/yearly/?{query}").status_code == 403
    api.force_authenticate(users["km_intake"])
    response = api.get(f"/api/v1/reports/yearly/?{query}")
    assert response.status_code == 422 and "jurisdiction" in str(response.json())
    client = Client()
    client.force_login(users["km_intake"])
    assert client.get(f"/reports/yearly/export.xlsx?{query}").status_code == 404
    assert Case.objects.filter(jurisdiction=c["A"].jurisdiction).exists()
