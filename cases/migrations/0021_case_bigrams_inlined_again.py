"""``case_bigrams`` as 0012's inlinable SQL function again (issue 19).

0018's body (regexp_replace / string_to_array / array_remove) is about ten
times cheaper per text, but like 0014's PL/pgSQL loop it is not inlined,
so the planner estimates ``case_bigrams(search_text) @> case_bigrams(term)``
blindly and on 4,000 generated cases picks a sequential scan of the case
table for ``?q=校舍`` (tests/core/test_scale_plans.py::test_search_reads_an_index
fails). A search that reads its index matters more than a cheaper bulk
load; the index keys are the same set of pairs either way, so the index
stays valid. A cheaper body the planner still inlines is open."""

from django.db import migrations

from cases import search_index


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(search_index.PG_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("cases", "0020_case_chars_parallel_restricted")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
