"""The yearly report page, its Excel and PDF, and the cases behind a
figure. Views parse, call the selector, render."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from cases.models import Outcome, Stage

from . import exports, selectors
from .forms import YearlyReportForm

PAGE_SIZE = 20


def _form(request):
    if not selectors.report_may_view(user=request.user):
        raise PermissionDenied
    jurisdictions = list(selectors.report_jurisdictions(user=request.user))
    data = request.GET.copy() if request.GET else None
    if data is not None and not data.get("jurisdiction") and jurisdictions:
        data["jurisdiction"] = str(jurisdictions[0].pk)
    return YearlyReportForm(data, jurisdictions=jurisdictions), jurisdictions


def _report_or_404(request):
    form, _j = _form(request)
    args = form.report_args()
    if args is None:
        raise Http404
    return selectors.yearly_report(jurisdiction=args[0], year=args[1])


def _link(report: dict) -> None:
    """Set the URL of the case list behind each linked figure with cases
    (``figure.url``, ``row["url"]``, ``row["overdue_url"]``)."""
    base = reverse("reports:yearly_cases")
    query = {"jurisdiction": report["jurisdiction"].pk, "year": report["year"]}

    def url(key):
        return f"{base}?{urlencode({**query, 'figure': key})}"

    for section in report["sections"]:
        for figure in section.figures:
            figure.url = url(figure.key) if figure.linked and figure.cases else ""
    for row in report["stages"]:
        row["url"] = url(f"stage-{row['stage']}") if row["cases"] else ""
        row["overdue_url"] = url(f"overdue-{row['stage']}") if row["overdue_cases"] else ""


@login_required
def yearly(request):
    form, jurisdictions = _form(request)
    if not request.GET and jurisdictions:
        form = YearlyReportForm({"jurisdiction": jurisdictions[0].pk, "year": form.initial["year"]},
                                jurisdictions=jurisdictions)
    args = form.report_args()
    report = selectors.yearly_report(jurisdiction=args[0], year=args[1]) if args else None
    context = {"form": form, "report": report}
    if report is not None:
        _link(report)
        context.update(title=exports.report_title(report), stage_headers=exports.stage_headers(),
                       query=urlencode({"jurisdiction": report["jurisdiction"].pk, "year": report["year"]}))
    return render(request, "reports/yearly.html", context)


def _filename(report: dict, ext: str) -> str:
    return f"yearly-report-{report['jurisdiction'].code}-{report['year']}.{ext}"


@login_required
def yearly_xlsx(request):
    report = _report_or_404(request)
    response = HttpResponse(exports.xlsx_bytes(report),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response


@login_required
def yearly_pdf(request):
    report = _report_or_404(request)
    response = HttpResponse(exports.render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response


def _figure_label(report: dict, key: str) -> str:
    for section in report["sections"]:
        for figure in section.figures:
            if figure.key == key:
                return f"{section.title} · {figure.label}"
    for row in report["stages"]:
        if key == f"stage-{row['stage']}":
            return f"{row['label']} · {exports.stage_headers()[1]}"
        if key == f"overdue-{row['stage']}":
            return f"{row['label']} · {exports.stage_headers()[4]}"
    return key


@login_required
def yearly_cases(request):
    """The cases behind one figure, among those the reader may see."""
    report = _report_or_404(request)
    key = request.GET.get("figure", "")
    try:
        ids = selectors.yearly_figure_cases(report, key)
    except KeyError:
        raise Http404 from None
    qs = selectors.yearly_case_list(user=request.user, case_ids=ids)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/yearly_cases.html", {
        "report": report, "page": page, "figure": _figure_label(report, key), "total": len(ids),
        "back": f"{reverse('reports:yearly')}?"
                f"{urlencode({'jurisdiction': report['jurisdiction'].pk, 'year': report['year']})}",
        "stage_labels": dict(Stage.choices), "outcome_labels": dict(Outcome.choices),
    })
