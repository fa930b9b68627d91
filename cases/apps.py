from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from . import search_index


def _sqlite_search_function(sender, connection, **kwargs):
    """The search index's triggers call ``case_bigrams`` (cases.search_index):
    every SQLite connection gets it."""
    if connection.vendor == "sqlite":
        search_index.sqlite_register(connection)


def _reinstall_search_triggers(sender, using="default", **kwargs):
    """SQLite drops a table's triggers when it rebuilds it for an ALTER: put
    the search index's back after every migrate (the FTS5 table itself, a
    separate table, keeps its rows)."""
    conn = connections[using]
    if conn.vendor == "sqlite" and search_index.FTS_TABLE in conn.introspection.table_names():
        # A trigger missing (a rebuild dropped it): rows may have been
        # written without it, so the table is refilled.
        search_index.sqlite_install(conn, fill=not search_index.sqlite_triggers_present(conn))


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        connection_created.connect(_sqlite_search_function, dispatch_uid="cases_search_function")
        post_migrate.connect(_reinstall_search_triggers, sender=self, dispatch_uid="cases_search_triggers")
