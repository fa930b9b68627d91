"""The search text's bigram and character GIN indexes compare their keys
bytewise (issue 19): ``COLLATE "C"`` on the indexed expression
(cases.search_index). Under the database's default collation (C.UTF-8, not
"C" to PostgreSQL 15) every key comparison of a build went through
strcoll: at 100k generated cases the bigram index built in 13.0 s, 9.8 s
with "C"; the character index in 6.4 s, 5.1 s (so too every write's share).
The keys and the matches are the same (equality is bytewise under either);
the search's lookup names the same collation (cases.selectors), which the
index needs to match.

An index already so (a new database: 0012 and 0016 make them with
search_index's definitions) is left alone; an older one is built again
beside it, CONCURRENTLY (a large table keeps taking writes meanwhile), then
put in its place."""

from django.db import migrations

from cases import search_index

OLD = {
    "case_search_bigram": "CREATE INDEX case_search_bigram ON cases_case USING gin (case_bigrams(search_text))",
    "case_search_chars": "CREATE INDEX case_search_chars ON cases_case USING gin (case_chars(search_text))",
}


def _replace(schema_editor, name: str, definition: str, collated: bool) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
        if row is not None and ('COLLATE "C"' in row[0]) == collated:
            return False
        new = f"{name}_new"
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {new}")
        cursor.execute(definition.replace(" IF NOT EXISTS", "").replace(
            f"INDEX {name} ", f"INDEX CONCURRENTLY {new} ", 1))
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        cursor.execute(f"ALTER INDEX {new} RENAME TO {name}")
    return True


def _analyze(schema_editor) -> None:
    # The statistics of the new index's expression (the search's estimates).
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        done = [_replace(schema_editor, "case_search_bigram", search_index.PG_INDEX, True),
                _replace(schema_editor, "case_search_chars", search_index.PG_CHARS_INDEX, True)]
        if any(done):
            _analyze(schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        if any([_replace(schema_editor, name, definition, False) for name, definition in OLD.items()]):
            _analyze(schema_editor)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("cases", "0021_case_bigrams_inlined_again")]

    operations = [migrations.RunPython(forwards, backwards)]
