"""Search of Chinese substrings off an index (PostgreSQL): a trigram GIN
index (pg_trgm) on the expression the search filters on,
UPPER(search_text) (cases.selectors.search_q, Django's icontains). Trigrams
are taken per character, so they work on Chinese text under the C.UTF-8
(or any UTF-8) ctype. Other databases (SQLite under ``make run``) keep the
plain LIKE: a scan, fine at demo size."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS case_search_trgm ON cases_case USING gin (UPPER(search_text) gin_trgm_ops)"
DROP = "DROP INDEX IF EXISTS case_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_next_due_and_list_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
