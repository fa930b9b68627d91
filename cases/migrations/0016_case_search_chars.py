"""Search of one-character terms off an index (issue 19): on PostgreSQL a
GIN index on ``case_chars(search_text)``, the distinct characters of the
search text (cases.search_index); SQLite keeps filtering (small data)."""

from django.db import migrations

from cases import search_index


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(search_index.PG_CHARS_FUNCTION)
        schema_editor.execute(search_index.PG_CHARS_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_search_chars")
        schema_editor.execute("DROP FUNCTION IF EXISTS case_chars(text)")


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_my_cases_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
