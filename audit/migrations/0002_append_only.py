"""The database refuses UPDATE and DELETE on audit records, except the
retention purge of rows older than 180 days (core.history)."""

from django.db import migrations

import core.history


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [core.history.append_only_migration("audit_auditrecord")]
