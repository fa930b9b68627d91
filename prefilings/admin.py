"""Admin: read-only views of the pre-filing records (every change goes
through the services, with their history)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Citation, EarlyWarning, PreFiling, PreFilingEvent


class EventInline(admin.TabularInline):
    model = PreFilingEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PreFiling)
class PreFilingAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "unit", "status", "review_due", "next_report_due", "created_at"]
    list_filter = ["status", "jurisdiction"]
    search_fields = ["number", "title"]
    list_select_related = ["unit"]
    inlines = [EventInline]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(ReadOnlyAdmin):
    list_display = ["prefiling", "source", "status", "due_date", "resolution", "created_at"]
    list_filter = ["status", "source"]
    list_select_related = ["prefiling"]


@admin.register(Citation)
class CitationAdmin(ReadOnlyAdmin):
    list_display = ["case", "prefiling", "cited_by", "created_at"]
    list_select_related = ["case", "prefiling", "cited_by"]
