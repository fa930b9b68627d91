"""The correction record's own page and its files. The panel's steps post
to the one generic step view (core.step_views, corrections/steps.py)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.selectors import case_get_for_user

from .selectors import correction_file_get_for_case, correction_panel_context


@login_required
@require_GET
def case_record(request, pk):
    """The correction record of one case on a page of its own (the case
    page shows the same panel)."""
    case = case_get_for_user(user=request.user, case_id=pk)
    context = correction_panel_context(request, case)
    if context is None:
        raise Http404
    return render(request, "corrections/case_record.html", {**context, "case": case})


@login_required
@require_GET
def file_download(request, pk, file_id):
    case = case_get_for_user(user=request.user, case_id=pk)
    row = correction_file_get_for_case(case=case, file_id=file_id)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.content_type)
    response["X-Content-SHA256"] = row.sha256
    response["Cache-Control"] = "private, no-store"
    return response

