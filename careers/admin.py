"""Read-only admin: the records are written by the services only (every
change is a step with its history event)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AccountabilityDecision, FollowUp, ResultUse, Revocation, UseApplication


class ApplicationInline(admin.TabularInline):
    model = UseApplication
    extra = 0
    can_delete = False
    fields = ["applied_on", "occasion", "outcome", "note", "next_due", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ResultUse)
class ResultUseAdmin(ReadOnlyAdmin):
    list_display = ["case", "cadre", "title", "impact_months", "ends_on", "status"]
    list_filter = ["status", "result"]
    search_fields = ["case__number", "cadre__full_name", "title"]
    list_select_related = ["case", "cadre"]
    inlines = [ApplicationInline]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "status", "held_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["case"]


@admin.register(AccountabilityDecision)
class AccountabilityDecisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "organ", "decision", "form", "decided_on", "document_number", "follows_ruling"]
    list_filter = ["decision", "follows_ruling"]
    list_select_related = ["case"]


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    list_display = ["case", "held_on", "participants"]
    list_select_related = ["case"]
