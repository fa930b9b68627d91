"""Read-only views of the verification-to-review record for administrators:
every change goes through the services (and their history events), so the
admin neither adds, edits nor deletes."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin as BaseReadOnlyAdmin

from .models import (
    Assessment,
    Assignment,
    DefenceEntry,
    Meeting,
    Notice,
    OptionalStep,
    PreliminaryReport,
    Recusal,
    ReviewRequest,
    Ruling,
    RulingUse,
    VerificationRecord,
    Vote,
)


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    list_select_related = True


class RulingUseInline(admin.TabularInline):
    model = RulingUse
    extra = 0
    can_delete = False
    readonly_fields = ["policy_item", "duration_months", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class VoteInline(admin.TabularInline):
    model = Vote
    extra = 0
    can_delete = False
    readonly_fields = ["member", "result", "opinion", "recorded_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ruling)
class RulingAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "result", "decided_on", "is_current", "review_decision"]
    list_filter = ["kind", "result", "is_current"]
    search_fields = ["case__number"]
    inlines = [RulingUseInline]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "held_on", "members_total", "quorum_required"]
    inlines = [VoteInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "inspector", "assigned_by", "active", "created_at"]
    list_filter = ["active"]


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ["case", "user", "reason", "marked_by"]


for model, fields in (
    (VerificationRecord, ["case", "kind", "person", "held_on", "recorded_by"]),
    (Assessment, ["case", "assessed_by", "updated_at"]),
    (PreliminaryReport, ["case", "recommended_result", "author"]),
    (DefenceEntry, ["case", "kind", "submitted_by", "created_at"]),
    (OptionalStep, ["case", "kind", "held_on", "recorded_by"]),
    (Notice, ["case", "kind", "done_on", "recipients"]),
    (ReviewRequest, ["case", "requested_by", "requested_on"]),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": fields}))
