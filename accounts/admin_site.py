"""The admin site with the 三员分立 rule: the system, security and audit
administrators sign in to it and see only their duty's models (their
permissions come from ``accounts.backends.DUTY_PERMISSIONS``); Django staff
(the case-work administrator) as before; the superuser is for installation."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class DutyAdminSite(admin.AdminSite):
    site_header = _("Fault-tolerance case management")
    site_title = _("Fault-tolerance case management")

    # Models whose package names them in English only (no msgid): the
    # admin's lists name them in Chinese (issue 22).
    model_names = {("otp_totp", "totpdevice"): _("Dynamic-password devices")}

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for model in app["models"]:
                name = self.model_names.get((app["app_label"], model["object_name"].lower()))
                if name:
                    model["name"] = name
        return app_list

    def has_permission(self, request):
        # Here, not at the top: INSTALLED_APPS imports this module before the
        # models are loaded, and the backends import them.
        from .backends import user_duties

        user = request.user
        return bool(user.is_active and (user.is_staff or user_duties(user)))


class DutyAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.DutyAdminSite"
