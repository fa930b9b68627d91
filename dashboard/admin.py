from django.contrib import admin

from .models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """Read-only: exports are made by their users and written by the worker."""

    list_display = ["id", "user", "kind", "format", "status", "total", "created_at", "finished_at"]
    list_filter = ["status", "kind", "format"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
