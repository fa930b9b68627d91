"""Audit of what leaves the system and of admin actions, in one place:

- every file response sent as an attachment (letters, evidence, exports) is
  recorded with the user, address and URL; it gets ``Cache-Control:
  no-store`` (personal data stays out of shared caches and the browser's
  disk cache), and letters and other PDFs ``Content-Security-Policy:
  sandbox`` instead of the page policy (a document is no page: no script,
  no form, no same-origin access);
- every admin POST that succeeded (a redirect) is recorded with its path.
"""

from .models import AuditKind
from .services import audit_record


def _kind(request) -> str:
    match = getattr(request, "resolver_match", None)
    name = f"{match.namespace}:{match.url_name}" if match else ""
    if "letter" in name or "letter" in request.path:
        return AuditKind.LETTER_DOWNLOAD
    if "export" in name or "export" in request.path:
        return AuditKind.EXPORT
    return AuditKind.FILE_DOWNLOAD


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        disposition = response.get("Content-Disposition", "")
        if response.status_code == 200 and disposition.startswith("attachment"):
            response["Cache-Control"] = "private, no-store"
            if response.get("Content-Type", "").startswith("application/pdf"):
                response["Content-Security-Policy"] = "sandbox"
            if user is not None and user.is_authenticated:
                audit_record(kind=_kind(request), actor=user, request=request, target=request.path[:200],
                             data={"file": disposition[:200], "method": request.method})
        elif (request.path.startswith("/admin/") and request.method == "POST" and response.status_code == 302
              and user is not None and user.is_authenticated):
            audit_record(kind=AuditKind.ADMIN_ACTION, actor=user, request=request, target=request.path[:200],
                         data={"action": request.POST.get("action", ""), "fields": sorted(
                             k for k in request.POST if k not in ("csrfmiddlewaretoken", "password", "password1",
                                                                  "password2"))[:50]})
        return response
