"""The database refuses UPDATE and DELETE on policies_policyauditentry (core.history).
After the backfill: it is the one step that writes these rows in place."""

from django.db import migrations

import core.history


class Migration(migrations.Migration):
    dependencies = [("policies", "0004_audit_chain")]

    operations = [core.history.append_only_migration("policies_policyauditentry")]
