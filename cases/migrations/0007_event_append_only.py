"""The database refuses UPDATE and DELETE on cases_caseevent (core.history).
After the backfill: it is the one step that writes these rows in place."""

from django.db import migrations

import core.history


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_event_chain")]

    operations = [core.history.append_only_migration("cases_caseevent")]
