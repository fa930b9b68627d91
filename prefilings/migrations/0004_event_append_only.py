"""The database refuses UPDATE and DELETE on prefilings_prefilingevent (core.history).
After the backfill: it is the one step that writes these rows in place."""

from django.db import migrations

import core.history


class Migration(migrations.Migration):
    dependencies = [("prefilings", "0003_event_chain")]

    operations = [core.history.append_only_migration("prefilings_prefilingevent")]
