from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


def _reinstall_triggers(sender, using="default", **kwargs):
    """SQLite rebuilds a table for most ALTERs (copy, drop, rename), and the
    append-only triggers go with the dropped table: put them back after
    every migrate. PostgreSQL keeps them across ALTER TABLE."""
    from django.db import connections

    from core.history import append_only_install

    conn = connections[using]
    if conn.vendor == "sqlite":
        append_only_install(conn)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("System")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_reinstall_triggers, sender=self, dispatch_uid="core_append_only")
        # The workflow kernel's declarations, one module per app: ``events``
        # (event kinds, subjects, subscribers, letter kinds, hooks), then
        # ``steps`` (the steps, the case page's panels). Found here so that
        # no app's ready() imports another app.
        autodiscover_modules("events")
        autodiscover_modules("steps")
        # The checks read the steps' declarations (core.steps, which needs
        # DRF's settings): imported once the apps are ready.
        from .event_checks import check_event_kinds

        checks.register(check_event_kinds)
