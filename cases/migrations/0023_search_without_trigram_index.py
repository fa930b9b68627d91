"""The trigram index of the search text goes (issue 19): a term of three
characters or more is looked up in the bigram index by all its pairs
(GIN intersects their lists, as it does a term's trigrams), so the
trigram index found nothing the bigram one does not. It cost the most of
any of the load's builds but the bigram one's (1M generated cases: 78 s)
and a share of every write of a case.

What it still gave was its expression's statistics: the planner's estimate
of ``UPPER(search_text) LIKE '%…%'`` (a common term walks the list's
index, a rare one reads an index). Statistics on the expression
(PostgreSQL 14+) keep that estimate without the index, and
cases.selectors reads their sample to tell a common term from a rare one
(search_form)."""

from django.db import migrations

from cases import search_index

TRIGRAM = "CREATE INDEX IF NOT EXISTS case_search_trgm ON cases_case USING gin (UPPER(search_text) gin_trgm_ops)"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(search_index.PG_TEXT_STATISTICS)
            cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS case_search_trgm")
            # The expression's statistics now, not at autovacuum's next turn.
            cursor.execute("ANALYZE cases_case")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(TRIGRAM.replace("INDEX IF NOT EXISTS", "INDEX CONCURRENTLY IF NOT EXISTS", 1))
            cursor.execute(f"DROP STATISTICS IF EXISTS {search_index.PG_TEXT_STATISTICS_NAME}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("cases", "0022_search_indexes_collate_c")]

    operations = [migrations.RunPython(forwards, backwards)]
