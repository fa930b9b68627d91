"""A one-character search never walks the cases in parallel (issue 19):
``case_chars`` is marked PARALLEL RESTRICTED (cases.search_index says why)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION case_chars(text) PARALLEL RESTRICTED")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION case_chars(text) PARALLEL SAFE")


class Migration(migrations.Migration):
    dependencies = [("cases", "0019_supervisor_queue_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
