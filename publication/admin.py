"""Read-only admin of publications: every change goes through the services
(the publication pages and API), which run the leak check and keep the
log."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Publication, PublicationLog


class PublicationLogInline(admin.TabularInline):
    model = PublicationLog
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "actor", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "jurisdiction", "published_at", "withdrawn_at"]
    list_filter = ["status", "kind", "jurisdiction"]
    list_select_related = ["jurisdiction"]
    search_fields = ["title", "published_title", "slug"]
    inlines = [PublicationLogInline]
