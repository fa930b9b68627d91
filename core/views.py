from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .exceptions import problem
from .health import health_report


@never_cache
@require_GET
def healthz(request):
    ok, report = health_report()
    return JsonResponse({"status": "ok" if ok else "error", **report}, status=200 if ok else 503)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_403(request, exception=None):
    if _is_api(request):
        return JsonResponse(problem(403, "permission_denied", _("You do not have permission to perform this action.")), status=403)
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    # Under /api/ a path no route matches (e.g. a non-integer id) answers in
    # the API's one error shape, like a missing object.
    if _is_api(request):
        return JsonResponse(problem(404, "not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's own page is English and technical
    (issue 22). Under /api/ the one error shape."""
    if _is_api(request):
        return JsonResponse(problem(403, "csrf_failed", _("CSRF check failed: send the CSRF token with a session, "
                                                          "or use token authentication.")), status=403)
    return render(request, "403_csrf.html", status=403)
