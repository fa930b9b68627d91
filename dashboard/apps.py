from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reinstall_marks(sender, using="default", **kwargs):
    """SQLite drops a table's triggers when it rebuilds the table for an
    ALTER: put the figures' marks back after every migrate (core.apps does
    the same for the append-only triggers)."""
    from django.db import connections

    from .triggers import marks_install

    conn = connections[using]
    if conn.vendor == "sqlite" and "dashboard_figuredirty" in conn.introspection.table_names():
        marks_install(conn)


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_reinstall_marks, sender=self, dispatch_uid="dashboard_figure_marks")
