"""Read-only admin: the record is written by the workflow services only
(every change is a step with its history event), so the admin shows it and
changes nothing."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Clarification, Correction, RectificationTask, UntruePoint


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaskInline(_ReadOnlyInline):
    model = RectificationTask
    fields = ["number", "description", "status", "clock"]
    readonly_fields = fields


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ["case", "status", "started_on", "four_forms", "completed_at"]
    list_filter = ["status", "four_forms"]
    search_fields = ["case__number"]
    list_select_related = ["case"]
    inlines = [TaskInline]


class PointInline(_ReadOnlyInline):
    model = UntruePoint
    fields = ["number", "allegation", "finding"]
    readonly_fields = fields


@admin.register(Clarification)
class ClarificationAdmin(ReadOnlyAdmin):
    list_display = ["case", "status", "origin", "scope", "method", "issued_at", "referred_on"]
    list_filter = ["status", "scope", "method"]
    search_fields = ["case__number"]
    list_select_related = ["case"]
    inlines = [PointInline]
