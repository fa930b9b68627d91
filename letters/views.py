from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.subjects import subject

from .forms import RegisterFilterForm
from .selectors import (
    letter_download_name,
    letter_get_for_user,
    letter_list_for_case,
    letter_register_for_user,
    letter_register_may_view,
    letter_version_get_for_user,
)


@login_required
@require_GET
def case_letters(request, case_id):
    """The letters partial of the case page; htmx polls it while a letter
    is being prepared."""
    case = subject("case").get_for_user(request.user, case_id)
    letters = letter_list_for_case(case=case)
    return render(request, "letters/case_letters.html", {"case": case, "letters": letters})


def letter_file_response(letter) -> FileResponse:
    if not letter.is_ready or not letter.file:
        raise Http404
    try:
        handle = letter.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=letter_download_name(letter), content_type="application/pdf"
    )
    response["X-Content-SHA256"] = letter.sha256
    response["X-Content-SM3"] = letter.sm3
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download(request, letter_id):
    letter = letter_get_for_user(user=request.user, letter_id=letter_id)
    return letter_file_response(letter)


@login_required
@require_GET
def version_download(request, version_id):
    """An earlier rendering kept by a regeneration (admins only)."""
    version = letter_version_get_for_user(user=request.user, version_id=version_id)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = f"{version.letter.number}{version.letter.title}-{version.template_version}.pdf"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")


@login_required
@require_GET
def register(request):
    """The issuing register (发文登记簿): every letter the user may see, by
    issuing body, year and number, so that a gap or a failed letter shows."""
    if not letter_register_may_view(user=request.user):
        return render(request, "403.html", status=403)
    form = RegisterFilterForm(request.GET or None)
    qs = letter_register_for_user(user=request.user, filters=form.filters() if request.GET else {})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "letters/register.html", {"form": form, "page": page})
