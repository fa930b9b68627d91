# Time per stage read by its keys (issue 19): figurecell_stay had the
# jurisdiction and year as keys after the cell key, and PostgreSQL 15 made
# their IN list a descent per jurisdiction and key wanted, or read every cell
# of the stage with the keys as a filter (in parallel at 100k cases); they
# are now included columns, filtered on the cells the keys find.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0005_stay_radix_cells'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='figurecell',
            name='figurecell_stay',
        ),
        migrations.AddIndex(
            model_name='figurecell',
            index=models.Index(condition=models.Q(('kind__in', ('stay', 'stay100', 'stay10', 'stay1'))), fields=['kind', 'a', 'b'], include=('jurisdiction_id', 'year', 'n', 'total'), name='figurecell_stay'),
        ),
    ]
