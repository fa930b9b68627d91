"""Data step of 0002, in its own migration: on PostgreSQL the rows it
inserts would leave trigger events pending while 0002's deferred index
creation runs."""

import re

from django.db import migrations

NUMBER = re.compile(r"^(?P<body>.+)〔(?P<year>\d{4})〕(?P<seq>\d+)号$")


def move_prefiling_letters(apps, schema_editor):
    """Registration letters kept on their own model become letters of their
    pre-filing, with their number, snapshot, file and status."""
    PreFilingLetter = apps.get_model("prefilings", "PreFilingLetter")
    Letter = apps.get_model("letters", "Letter")
    for old in PreFilingLetter.objects.all():
        match = NUMBER.match(old.number)
        letter = Letter.objects.create(
            prefiling_id=old.prefiling_id, kind="prefiling_registration", ref="", number=old.number,
            number_body=match["body"], number_year=int(match["year"]), number_seq=int(match["seq"]),
            issued_on=old.issued_on, issued_by_id=old.issued_by_id, status=old.status, error=old.error,
            attempts=old.attempts, context=old.context, template_version=old.template_version,
            file=old.file.name, size=old.size, sha256=old.sha256, rendered_at=old.rendered_at,
        )
        Letter.objects.filter(pk=letter.pk).update(created_at=old.created_at, updated_at=old.updated_at)


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0002_letter_of_prefiling"),
        ("prefilings", "0001_initial"),
    ]

    operations = [migrations.RunPython(move_prefiling_letters, migrations.RunPython.noop)]
