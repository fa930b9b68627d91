from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, OrgUnit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["org_unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ["full_name", "org_unit", "phone", "id_number"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ["full_name", "org_unit"]}),
    ]
    list_display = ["username", "full_name", "org_unit", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["org_unit"]
    inlines = [MembershipInline]
    list_select_related = ["org_unit"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]
    list_select_related = ["parent"]

    def save_model(self, request, obj, form, change):
        # The materialised path follows the parent (accounts.services.org_unit_create
        # does the same for new units); children keep their own prefix updated.
        super().save_model(request, obj, form, change)
        new_path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        if obj.path != new_path:
            old = obj.path
            obj.path = new_path
            obj.save(update_fields=["path"])
            if old:
                for child in OrgUnit.objects.filter(path__startswith=old).exclude(pk=obj.pk):
                    child.path = new_path + child.path[len(old):]
                    child.save(update_fields=["path"])


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "org_unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "org_unit__name"]
    autocomplete_fields = ["user", "org_unit"]
    list_select_related = ["user", "org_unit"]
