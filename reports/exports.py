"""The yearly report as a commission files it: an Excel workbook with merged
headers (openpyxl) and a PDF (WeasyPrint, set in the letters' fonts).

Both are written from ``yearly_rows``, the same rows the page shows, so a
cell can never say something the page does not.
"""

import io

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from letters import rendering


def report_title(report: dict) -> str:
    return _("%(jurisdiction)s %(year)s yearly report on fault tolerance and correction") % {
        "jurisdiction": report["jurisdiction"].name, "year": report["year"]}


def yearly_rows(report: dict) -> list[tuple[str, list]]:
    """(section title, [(label, value, definition, indent)]) per section."""
    return [
        (section.title, [(f.label, f.count, f.definition, f.indent) for f in section.figures])
        for section in report["sections"]
    ]


def stage_headers() -> list[str]:
    return [_("Stage"), _("Stages ended"), _("Median days"), _("Longest (days)"), _("Overdue stages")]


def stage_rows(report: dict) -> list[list]:
    dash = "—"
    return [[r["label"], r["ended"], dash if r["median_days"] is None else r["median_days"],
             dash if r["max_days"] is None else r["max_days"], r["overdue"]] for r in report["stages"]]


def write_xlsx(report: dict, out) -> None:
    """One sheet: the title merged over the table, then per section a group
    cell merged down its rows (类别 | 项目 | 数值 | 说明), then the
    time-limit table under its own merged heading."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = str(report["year"])
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells("A1:E1")
    ws["A1"] = report_title(report)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = centre
    ws.merge_cells("A2:E2")
    ws["A2"] = _("Period: %(start)s to %(end)s (figures as of %(cutoff)s)") % {
        "start": f"{report['year']}-01-01", "end": f"{report['year']}-12-31", "cutoff": report["cutoff"].isoformat()}
    ws["A2"].alignment = centre
    row = 3
    for col, header in enumerate([_("Category"), _("Item"), _("Figure"), _("Definition")], 1):
        cell = ws.cell(row=row, column=col, value=header)
        cell.font, cell.alignment, cell.border = bold, centre, box
    ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=5)
    row += 1
    for title, figures in yearly_rows(report):
        first = row
        for label, value, definition, indent in figures:
            ws.cell(row=row, column=2, value=("　" if indent else "") + label).border = box
            ws.cell(row=row, column=3, value=value).border = box
            ws.cell(row=row, column=4, value=definition).border = box
            ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=5)
            row += 1
        group = ws.cell(row=first, column=1, value=title)
        group.font, group.alignment, group.border = bold, centre, box
        if row - 1 > first:
            ws.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    row += 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    heading = ws.cell(row=row, column=1, value=_("Time per stage (calendar days, paused time excluded)"))
    heading.font, heading.alignment = bold, centre
    row += 1
    for col, header in enumerate(stage_headers(), 1):
        cell = ws.cell(row=row, column=col, value=header)
        cell.font, cell.alignment, cell.border = bold, centre, box
    for values in stage_rows(report):
        row += 1
        for col, value in enumerate(values, 1):
            ws.cell(row=row, column=col, value=value).border = box
    for col, width in zip("ABCDE", (22, 40, 12, 30, 14), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(out)


def render_pdf(report: dict) -> bytes:
    """The PDF, laid out by the letters' renderer so that it is set in the
    same embedded fonts (real, searchable Chinese text)."""
    html = render_to_string("reports/yearly_pdf.html", {
        "report": report, "title": report_title(report), "sections": yearly_rows(report),
        "stage_headers": stage_headers(), "stage_rows": stage_rows(report),
    })
    return rendering.write(rendering.layout(html))


def xlsx_bytes(report: dict) -> bytes:
    buf = io.BytesIO()
    write_xlsx(report, buf)
    return buf.getvalue()
