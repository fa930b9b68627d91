import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditKind
from .selectors import audit_records_for_user
from .services import audit_record


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), required=False, choices=[("", "—"), *AuditKind.choices])
    username = forms.CharField(label=_("Username"), required=False, max_length=150)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


@login_required
def audit_list(request):
    form = AuditFilterForm(request.GET)
    qs = audit_records_for_user(user=request.user, filters=form.filters())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


@login_required
def audit_export(request):
    """The filtered audit log as CSV (UTF-8 with BOM, for Excel)."""
    form = AuditFilterForm(request.GET)
    filters = form.filters()
    qs = audit_records_for_user(user=request.user, filters=filters)
    audit_record(kind=AuditKind.AUDIT_EXPORT, actor=request.user, request=request,
                 data={k: str(v) for k, v in filters.items() if v})
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"
        yield writer.writerow(["id", "at", "event", "username", "ip", "object", "details", "sha256", "sm3"])
        for r in qs.iterator(chunk_size=2000):
            yield writer.writerow([r.pk, timezone.localtime(r.created_at).isoformat(), r.kind, r.username, r.ip,
                                   r.target, r.data, r.sha256, r.sm3])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
