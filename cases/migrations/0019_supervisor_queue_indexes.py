"""The supervisor's queue off two indexes (issue 19): ``Case.active_inspectors``
(kept by reviews.services from now on, counted here from the active
assignments) and a partial index each for the cases at verification waiting
for him (fewer than two) and the others, both in due order."""

from django.db import migrations, models
from django.db.models import Count, Exists, OuterRef, Subquery


def count_inspectors(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Assignment = apps.get_model("reviews", "Assignment")
    active = Assignment.objects.filter(case=OuterRef("pk"), active=True)
    n = active.order_by().values("case").annotate(n=Count("pk")).values("n")
    Case.objects.filter(Exists(active)).update(active_inspectors=Subquery(n))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0018_case_bigrams_regexp"),
        ("reviews", "0008_notice_record_same_level"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="active_inspectors",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_inspectors, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("active_inspectors__lt", 2), ("stage", "verification")),
                               fields=["next_due", "id"], name="case_to_assign_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("active_inspectors__gte", 2), ("stage", "verification")),
                               fields=["next_due", "id"], name="case_assigned_idx"),
        ),
    ]
