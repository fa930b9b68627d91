"""Write the pre-filing beat schedule (django-celery-beat rows). Idempotent:
rows are matched by name; run it on every deploy and from bootstrap."""

import json

from django.core.management.base import BaseCommand
from django.db import transaction

# (name, task, crontab fields). Times are Asia/Shanghai (CELERY_TIMEZONE).
SCHEDULE = [
    # Every 30 minutes in the working day, first at 08:05
    # (https://crontab.guru/#5,35_8-20_*_*_*): the first run of the day sends
    # the reminders and raises the missed-report warnings; the later runs
    # find the reminder rows and do nothing, unless a run was missed.
    (
        "prefilings: reminder sweep",
        "prefilings.reminder_sweep",
        {"minute": "5,35", "hour": "8-20", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
]


class Command(BaseCommand):
    help = "Create or update the pre-filing periodic tasks (Celery beat)."

    @transaction.atomic
    def handle(self, *args, **options):
        from django.conf import settings
        from django_celery_beat.models import CrontabSchedule, PeriodicTask

        for name, task, fields in SCHEDULE:
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone=settings.TIME_ZONE, **fields)
            _, created = PeriodicTask.objects.update_or_create(
                name=name,
                defaults={
                    "task": task, "crontab": crontab, "interval": None, "solar": None, "clocked": None,
                    "args": json.dumps([]), "kwargs": json.dumps({}), "enabled": True, "one_off": False,
                },
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {name} -> {task}")
