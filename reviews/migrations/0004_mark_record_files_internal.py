"""Files attached to inspectors' interview and evidence records, stored
before attachments had the ``internal`` flag, become internal."""

from django.db import migrations


def mark_internal(apps, schema_editor):
    VerificationRecord = apps.get_model("reviews", "VerificationRecord")
    Attachment = apps.get_model("cases", "Attachment")
    ids = VerificationRecord.objects.exclude(attachment=None).values_list("attachment_id", flat=True)
    Attachment.objects.filter(pk__in=list(ids)).update(internal=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_attachment_internal"),
        ("reviews", "0003_verification_to_review"),
    ]

    operations = [migrations.RunPython(mark_internal, migrations.RunPython.noop)]
