"""The staff dashboard and the exports. Views parse, call, render."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import OrgUnit
from cases.selectors import case_page_url
from core.exceptions import ApplicationError
from prefilings.models import PreFiling
from prefilings.selectors import prefiling_stats

from . import exports, selectors, services
from .forms import CaseExportFilterForm, DashboardFilterForm
from .models import Export


def _dashboard_form(request, data):
    jurisdictions = OrgUnit.objects.filter(kind=OrgUnit.Kind.JURISDICTION).order_by("code")
    return DashboardFilterForm(data or None, jurisdictions=jurisdictions)


def _chart_data(stats: dict) -> dict:
    """What static/js/dashboard.js draws (read from a JSON script block:
    the CSP forbids inline scripts, and JSON blocks are not executed)."""
    return {
        "by_stage": {"labels": [r["label"] for r in stats["by_stage"]], "values": [r["count"] for r in stats["by_stage"]]},
        "by_result": [{"name": r["label"], "value": r["count"]} for r in stats["by_result"]],
        "rate_by_jurisdiction": {
            "labels": [r["name"] for r in stats["rate_by_jurisdiction"]],
            "values": [r["exempt_rate"] for r in stats["rate_by_jurisdiction"]],
        },
        "rate_by_scenario": {
            "labels": [r["name"] for r in stats["rate_by_scenario"]],
            "values": [r["exempt_rate"] for r in stats["rate_by_scenario"]],
        },
        "time_per_stage": {
            "labels": [r["label"] for r in stats["time_per_stage"]],
            "values": [r["avg_days"] for r in stats["time_per_stage"]],
        },
        "trend": {
            "labels": [r["month"] for r in stats["trend"]],
            "submitted": [r["submitted"] for r in stats["trend"]],
            "ruled": [r["ruled"] for r in stats["trend"]],
            "names": [_("Submitted"), _("Ruled")],
        },
    }


@login_required
def dashboard_index(request):
    if not selectors.dashboard_may_view(user=request.user):
        raise PermissionDenied
    form = _dashboard_form(request, request.GET)
    stats = selectors.dashboard_stats(user=request.user, filters=form.filters())
    for row in stats["overdue"]["cases"]:
        row["url"] = case_page_url(row["case_id"])
    sections = [
        {"id": f"table-{i}", "chart": chart, "title": title, "headers": headers, "rows": rows, "key": key,
         "overdue": key == "overdue"}
        for i, ((title, headers, rows), chart, key) in enumerate(
            zip(selectors.dashboard_tables(stats), CHARTS, TABLE_KEYS, strict=True))
    ]
    return render(request, "dashboard/index.html", {
        "form": form, "stats": stats, "charts": _chart_data(stats), "sections": sections,
        "prefilings": _prefiling_rows(request.user),
    })


def _prefiling_rows(user) -> list[tuple[str, int]]:
    """Pre-filings (事前报备) the user may see, by status, and open early warnings."""
    figures = prefiling_stats(user=user)
    labels = dict(PreFiling.Status.choices)
    rows = [(labels[status], n) for status, n in figures["by_status"].items() if n]
    rows.append((_("Open early warnings"), figures["open_warnings"]))
    return rows


# The chart drawn above each table of ``dashboard_tables`` (None: table only).
CHARTS = ["by_stage", "by_result", "rate_by_jurisdiction", "rate_by_scenario", "time_per_stage", None, "trend", None]
# The table's ``data-table`` (the chart's name where it has one).
TABLE_KEYS = [*(c or "overdue" for c in CHARTS[:-1]), "decision_vs_ruling"]


def _file_response(user, kind: str, fmt: str, filters: dict, name: str):
    tmp = tempfile.TemporaryFile()
    services.export_write(user=user, kind=kind, fmt=fmt, filters=filters, out=tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=f"{name}-{timezone.localdate():%Y%m%d}.{fmt}",
                        content_type=exports.CONTENT_TYPES[fmt])


@login_required
@require_POST
def dashboard_export(request):
    """The dashboard tables: small, always written in the request."""
    fmt = request.POST.get("format")
    if fmt not in exports.WRITERS:
        raise Http404
    form = _dashboard_form(request, request.POST)
    try:
        return _file_response(request.user, Export.Kind.DASHBOARD, fmt, form.filters(), "dashboard")
    except ApplicationError as exc:
        raise PermissionDenied from exc


@login_required
def case_export(request):
    """GET: the filters and the count, with the format buttons. POST: a
    small list is sent at once; a large one goes to the worker."""
    data = request.POST if request.method == "POST" else request.GET
    form = CaseExportFilterForm(data)
    filters = form.filters()
    count = exports.case_export_queryset(user=request.user, filters=filters).count()
    if request.method == "POST":
        fmt = request.POST.get("format")
        if fmt not in exports.WRITERS:
            raise Http404
        if count <= services.export_async_threshold():
            return _file_response(request.user, Export.Kind.CASES, fmt, filters, "cases")
        export = services.export_create(actor=request.user, kind=Export.Kind.CASES, fmt=fmt, filters=filters)
        messages.info(request, _("The export is being prepared; it can be downloaded here when ready."))
        return redirect("dashboard:export_detail", export.pk)
    return render(request, "dashboard/case_export.html", {
        "form": form, "count": count, "filters": filters, "threshold": services.export_async_threshold(),
    })


def _own_export(request, export_id: int) -> Export:
    # Someone else's export is a 404: its existence is not leaked.
    return get_object_or_404(Export, pk=export_id, user=request.user)


def _export_context(request, export_id: int) -> dict:
    return {"export": _own_export(request, export_id), "retention_days": services.EXPORT_RETENTION.days}


@login_required
def export_detail(request, export_id: int):
    return render(request, "dashboard/export_detail.html", _export_context(request, export_id))


@login_required
def export_progress(request, export_id: int):
    return render(request, "dashboard/_export_progress.html", _export_context(request, export_id))


@login_required
def export_download(request, export_id: int):
    export = _own_export(request, export_id)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename,
                        content_type=exports.CONTENT_TYPES[export.format])
