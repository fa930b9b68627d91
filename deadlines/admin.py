from django.contrib import admin

from .models import Clock, ClockEntry, Reminder


class ClockEntryInline(admin.TabularInline):
    model = ClockEntry
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "on", "days", "reason", "actor", "created_at"]

    def has_add_permission(self, request, obj=None):
        # Entries come from the services only: the due date is derived.
        return False


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "stage", "status", "started_on", "due_date", "flagged"]
    list_filter = ["status", "stage", "flagged"]
    search_fields = ["case__number", "case__title"]
    list_select_related = ["case"]
    raw_id_fields = ["case"]
    inlines = [ClockEntryInline]

    def get_readonly_fields(self, request, obj=None):
        # Read-only: a due date is never patched by hand (issue 7).
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["id", "clock", "kind", "day", "offset", "due_date", "sent_at"]
    list_filter = ["kind"]
    raw_id_fields = ["clock"]
    readonly_fields = ["clock", "kind", "day", "offset", "due_date", "recipients", "sent_at"]

    def has_add_permission(self, request):
        return False
