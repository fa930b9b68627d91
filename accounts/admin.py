from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, OrgUnit, User
from .services import membership_grant, membership_revoke, user_password_changed, user_set_active


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
    # The system administrator's form: no staff, superuser, group or
    # permission flags (privileges are not his duty), no roles (the
    # security administrator's, in role memberships).
    duty_fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Organisation"), {"fields": ["full_name", "org_unit", "phone", "id_number"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
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

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.duty_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["last_login", "date_joined"] if not request.user.is_superuser else []

    def get_inlines(self, request, obj):
        return self.inlines if request.user.is_superuser else []

    def save_model(self, request, obj, form, change):

        was_active = form.initial.get("is_active") if change else None
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and was_active != obj.is_active:
            # Ends his sessions and tokens (also when enabled again).
            user_set_active(user=obj, active=obj.is_active, actor=request.user, request=request)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            user_password_changed(user=user, actor=request.user, request=request)
            if user.pk == request.user.pk:
                from django.contrib.auth import update_session_auth_hash

                update_session_auth_hash(request, user)
        return response


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
    """The security administrator's: granting and revoking roles goes
    through the services (audit record, the user's sessions end)."""

    list_display = ["user", "role", "org_unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "org_unit__name"]
    autocomplete_fields = ["user", "org_unit"]
    list_select_related = ["user", "org_unit"]

    def has_change_permission(self, request, obj=None):
        # A role is granted or revoked, not edited in place.
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):

        granted = membership_grant(user=obj.user, org_unit=obj.org_unit, role=obj.role, actor=request.user,
                                   request=request)
        obj.pk = granted.pk

    def delete_model(self, request, obj):

        membership_revoke(membership=obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):

        for membership in queryset.select_related("user", "org_unit"):
            membership_revoke(membership=membership, actor=request.user, request=request)
