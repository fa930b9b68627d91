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
