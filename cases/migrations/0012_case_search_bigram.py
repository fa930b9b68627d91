"""Search of two-character Chinese terms off an index (issue 19): the
bigram index of cases.search_index, on PostgreSQL a GIN index on
``case_bigrams(search_text)``, on SQLite an FTS5 table kept by triggers."""

from django.db import migrations

from cases import search_index


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(search_index.PG_FUNCTION)
        schema_editor.execute(search_index.PG_INDEX)
    elif vendor == "sqlite":
        search_index.sqlite_install(schema_editor.connection, fill=True)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_search_bigram")
        schema_editor.execute("DROP FUNCTION IF EXISTS case_bigrams(text)")
    elif vendor == "sqlite":
        search_index.sqlite_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_committee_queue_index")]

    operations = [migrations.RunPython(forwards, backwards)]
