from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .directory import org_unit_paths_follow
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
        # The materialised path follows the parent, the children's with it
        # (accounts.directory, as the API's edit of a unit).
        super().save_model(request, obj, form, change)
        org_unit_paths_follow(obj)


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


# --- Third-party models in the admin (issue 22: the admin in Chinese) -------
#
# Celery's task and group results are the worker's bookkeeping and the
# interval, clocked and solar schedules are not used (the beat schedule is
# declared in code, with crontabs: config/celery_app.py); none is any
# duty's (accounts.backends.DUTY_PERMISSIONS), so they leave the admin.
def _unregister_unused() -> None:
    from django_celery_beat.models import ClockedSchedule, IntervalSchedule, SolarSchedule
    from django_celery_results.models import GroupResult, TaskResult
    from django_otp.plugins.otp_static.models import StaticDevice

    # Backup codes are the user's own (accounts.otp) and go with his app
    # device when the security administrator deletes it.
    for model in (TaskResult, GroupResult, IntervalSchedule, ClockedSchedule, SolarSchedule, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


def _register_totp_admin() -> None:
    """The security administrator's TOTP devices, with Chinese labels: the
    package's model has untranslated English field names."""
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    labels = {
        "user": _("user"), "name": _("device name"), "confirmed": _("confirmed"), "key": _("secret key"),
        "step": _("time step (seconds)"), "t0": _("start time (Unix)"), "digits": _("digits"),
        "tolerance": _("tolerance (steps)"), "drift": _("clock drift (steps)"), "last_t": _("last time step used"),
        "created_at": _("created at"), "last_used_at": _("last used at"),
        "throttling_failure_timestamp": _("last failure"), "throttling_failure_count": _("failures in a row"),
    }

    class DeviceAdmin(TOTPDeviceAdmin):
        list_display = ["user", "device_name", "created", "last_used", "is_confirmed"]
        # The package's filters and read-only fields carry its English
        # field names; ours say the same in Chinese.
        list_filter = []
        search_help_text = _("Search by the user's name.")
        readonly_fields = ["created", "last_used"]

        def get_fieldsets(self, request, obj=None):
            return [
                (_("User and device"), {"fields": ["user", "name", "confirmed"]}),
                (_("Settings"), {"fields": ["key", "step", "t0", "digits", "tolerance"]}),
                (_("State"), {"fields": ["drift", "last_t", "created", "last_used"]}),
                (_("Throttling"), {"fields": ["throttling_failure_timestamp", "throttling_failure_count"]}),
            ]

        def changelist_view(self, request, extra_context=None):
            return super().changelist_view(request, {**(extra_context or {}), "title": _("Dynamic-password devices")})

        @admin.display(description=_("device name"))
        def device_name(self, obj):
            return obj.name

        @admin.display(description=_("created at"))
        def created(self, obj):
            return (obj.created_at if obj else None) or self.get_empty_value_display()

        @admin.display(description=_("last used at"))
        def last_used(self, obj):
            return (obj.last_used_at if obj else None) or self.get_empty_value_display()

        @admin.display(description=_("confirmed"), boolean=True)
        def is_confirmed(self, obj):
            return obj.confirmed

        def get_form(self, request, obj=None, **kwargs):
            form = super().get_form(request, obj, **kwargs)
            for name, field in form.base_fields.items():
                if name in labels:
                    field.label, field.help_text = labels[name], ""
            return form

    if admin.site.is_registered(TOTPDevice):
        admin.site.unregister(TOTPDevice)
    admin.site.register(TOTPDevice, DeviceAdmin)


def _register_beat_admin() -> None:
    """The beat schedule's list without the filter on ``task``, whose label
    the package leaves in English ("Task Name")."""
    from django_celery_beat.admin import PeriodicTaskAdmin
    from django_celery_beat.models import PeriodicTask

    class TaskAdmin(PeriodicTaskAdmin):
        list_filter = ["enabled", "one_off", "start_time", "last_run_at"]

    if admin.site.is_registered(PeriodicTask):
        admin.site.unregister(PeriodicTask)
    admin.site.register(PeriodicTask, TaskAdmin)


_unregister_unused()
_register_totp_admin()
_register_beat_admin()
