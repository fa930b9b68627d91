# Time per stage in radix cells (issue 19): the 1-, 10- and 100-day cells
# made from the 0.1-day cells an existing database has (one statement), and
# an index to read them a level at a time (selectors.stay_summaries).

from django.db import migrations, models

from dashboard.recount import stay_levels_rebuild


def rebuild(apps, schema_editor):
    stay_levels_rebuild(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        # The new cells' statistics now: the read of each level is planned
        # on them (until autovacuum, the planner sees no such kind).
        schema_editor.execute("ANALYZE dashboard_figurecell")


def drop(apps, schema_editor):
    schema_editor.execute("DELETE FROM dashboard_figurecell WHERE kind IN ('stay100', 'stay10', 'stay1')")


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0004_figurecell_not_stay'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='figurecell',
            name='figurecell_not_stay',
        ),
        migrations.RunPython(rebuild, drop),
        migrations.AddIndex(
            model_name='figurecell',
            index=models.Index(condition=models.Q(('kind__in', ('stay', 'stay100', 'stay10', 'stay1')), _negated=True), fields=['jurisdiction_id', 'year', 'kind', 'a', 'b'], include=('n', 'total'), name='figurecell_not_stay'),
        ),
        migrations.AddIndex(
            model_name='figurecell',
            index=models.Index(condition=models.Q(('kind__in', ('stay', 'stay100', 'stay10', 'stay1'))), fields=['kind', 'a', 'b', 'jurisdiction_id', 'year'], include=('n', 'total'), name='figurecell_stay'),
        ),
    ]
