"""Admin pieces shared by the apps."""

from django.contrib import admin


class ReadOnlyMixin:
    """The admin shows these records and changes nothing: every change goes
    through a service, with its history event. For ModelAdmins and inlines."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


from .models import OutboxMessage  # noqa: E402


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """What the outbox holds: unsent rows mean the broker is (or was) away."""

    list_display = ["id", "task", "args", "created_at", "sent_at", "done_at", "sends", "last_error"]
    list_filter = ["task"]
    date_hierarchy = "created_at"
