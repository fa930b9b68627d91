"""Cases in the admin are read-only: every change goes through the workflow
services (the case page or the API), so the history stays complete."""

from django.contrib import admin

from core.admin import ReadOnlyMixin

from .models import Attachment, Case, CaseEvent


class CaseEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseEvent
    fields = ["created_at", "kind", "actor", "from_stage", "to_stage", "reason"]
    readonly_fields = fields
    extra = 0


class AttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Attachment
    fields = ["original_name", "kind", "content_type", "size", "sha256", "uploaded_by", "locked"]
    readonly_fields = fields
    extra = 0


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "title", "applicant", "unit", "stage", "outcome", "submitted_at"]
    list_filter = ["stage", "outcome", "origin", "jurisdiction"]
    search_fields = ["number", "title", "applicant__full_name", "search_text"]
    list_select_related = ["applicant", "unit"]
    inlines = [AttachmentInline, CaseEventInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "case", "kind", "actor", "from_stage", "to_stage"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]
    search_fields = ["case__number", "reason"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
