"""The admin site with the 三员分立 rule: the system, security and audit
administrators sign in to it and see only their duty's models (their
permissions come from ``accounts.backends.DUTY_PERMISSIONS``); Django staff
(the case-work administrator) as before; the superuser is for installation."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class DutyAdminSite(admin.AdminSite):
    site_header = "容错纠错案件管理"
    site_title = "容错纠错案件管理"

    def has_permission(self, request):
        from accounts.backends import user_duties

        user = request.user
        return bool(user.is_active and (user.is_staff or user_duties(user)))


class DutyAdminConfig(AdminConfig):
    default_site = "core.admin_site.DutyAdminSite"
