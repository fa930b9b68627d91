"""A pre-filing's due dates become clocks (deadlines, subject "prefiling"):
the filings under way get the clocks of the dates they hold (review,
next progress report, evaluation at the end of the period), and the
app's own reminder table goes (the clocks' sweep sends the reminders)."""

import datetime as dt

from django.db import migrations


def open_clocks(apps, schema_editor):
    PreFiling = apps.get_model("prefilings", "PreFiling")
    Clock = apps.get_model("deadlines", "Clock")
    today = dt.date.today()
    rows = []
    for filing in PreFiling.objects.filter(status__in=["submitted", "registered"]).iterator():
        due_dates = [("prefiling_review", filing.review_due)] if filing.status == "submitted" else [
            ("progress_report", filing.next_report_due), ("prefiling_evaluation", filing.period_end)]
        for stage, due in due_dates:
            if due is None or Clock.objects.filter(subject="prefiling", subject_pk=filing.pk, stage=stage).exists():
                continue
            start = min(today, due)
            rows.append(Clock(case=None, subject="prefiling", subject_pk=filing.pk, stage=stage, started_on=start,
                              amount=(due - start).days, unit="calendar_day", start_rule="next_day",
                              fixed_due=due, due_date=due))
    Clock.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ("prefilings", "0006_prevention_area"),
        ("deadlines", "0005_clock_subject"),
    ]

    operations = [
        migrations.RunPython(open_clocks, migrations.RunPython.noop),
        migrations.DeleteModel(name="PreFilingReminder"),
    ]
