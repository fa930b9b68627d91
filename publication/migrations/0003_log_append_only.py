"""The database refuses UPDATE and DELETE on publication_publicationlog (core.history).
After the backfill: it is the one step that writes these rows in place."""

from django.db import migrations

import core.history


class Migration(migrations.Migration):
    dependencies = [("publication", "0002_log_chain")]

    operations = [core.history.append_only_migration("publication_publicationlog")]
