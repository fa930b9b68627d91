from django.contrib import admin

from core.admin import ReadOnlyMixin

from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only, for the audit administrator (accounts.backends)."""

    list_display = ["created_at", "kind", "username", "ip", "target"]
    list_filter = ["kind"]
    search_fields = ["username", "ip", "target"]
    readonly_fields = ["created_at", "kind", "actor", "username", "ip", "target", "data", "prev_sha256",
                       "sha256", "prev_sm3", "sm3"]
