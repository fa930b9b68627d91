from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "case", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "message"]
    list_select_related = ["recipient", "case"]
    raw_id_fields = ["recipient", "actor", "case", "event"]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_mode", "updated_at"]
    list_filter = ["email_mode"]
    raw_id_fields = ["user"]
