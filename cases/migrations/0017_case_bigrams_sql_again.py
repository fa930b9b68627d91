"""``case_bigrams`` as 0012's SQL function again (issue 19).

0014 made it a PL/pgSQL loop, ten times cheaper for generate_cases' bulk
load, but the planner then stopped reading the GIN index
``case_search_bigram`` for a two-character search: on 4,000 generated cases
``?q=校舍`` (198 hits) became a sequential scan of the case table
(tests/core/test_scale_plans.py::test_search_reads_an_index), while the SQL
function, which the planner inlines on both sides, gives a Bitmap Index Scan
on ``case_search_bigram`` with the right estimate. A search that reads its
index matters more than a faster bulk load; the index keys are the same set,
so the index stays valid either way."""

import importlib

from django.db import migrations

_0014 = importlib.import_module("cases.migrations.0014_cheaper_case_bigrams")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0014.FUNCTION_0012)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0014.FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_case_search_chars")]

    operations = [migrations.RunPython(forwards, backwards)]
