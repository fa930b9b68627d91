"""Write the whole beat schedule (django-celery-beat rows) from code, in one
place. Idempotent: run it on every deploy and ``make run``; rows are matched
by name."""

import json

from django.core.management.base import BaseCommand
from django.db import transaction

# (name, task, crontab fields). Times are Asia/Shanghai (CELERY_TIMEZONE).
SCHEDULE = [
    # Reminders: every 15 minutes during the working day, first at 08:00
    # (https://crontab.guru/#*/15_8-20_*_*_*). The first run sends the day's
    # reminders; the others do nothing (the reminder keys exist) unless a
    # run was missed (worker down) or a clock changed, which they catch up
    # within 15 minutes. Nothing goes out at night.
    (
        "deadlines: reminder sweep",
        "deadlines.reminder_sweep",
        {"minute": "*/15", "hour": "8-20", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Daily digest e-mails at 08:30, after the morning's reminders
    # (https://crontab.guru/#30_8_*_*_*).
    (
        "notifications: daily digest",
        "notifications.digest_send_all",
        {"minute": "30", "hour": "8", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Scheduled publications go out within a minute of their time
    # (https://crontab.guru/#*_*_*_*_*); a run with nothing due is one query.
    (
        "publication: publish scheduled",
        "publication.publish_due",
        {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Letters still pending a few minutes after issue (the render was lost)
    # are sent again; every minute (https://crontab.guru/#*_*_*_*_*).
    (
        "letters: pending sweep",
        "letters.pending_sweep",
        {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # The outbox (core.outbox): what a broker outage kept back, or a killed
    # worker lost, goes out within a minute; a run with nothing to send is
    # two queries (https://crontab.guru/#*_*_*_*_*).
    (
        "core: outbox relay",
        "core.outbox_relay",
        {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # The dashboard's cells take in the cases changed since the last run,
    # every minute (https://crontab.guru/#*_*_*_*_*); until then those cases
    # are counted live, so a late run costs time, never a wrong figure.
    (
        "dashboard: fold figures",
        "dashboard.figures_fold",
        {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Rulings whose result uses did not reach the organization department
    # yet (the task after the ruling was lost), every 30 minutes
    # (https://crontab.guru/#*/30_*_*_*_*); a run with nothing due is two
    # queries.
    (
        "careers: result uses sweep",
        "careers.obligations_sweep",
        {"minute": "*/30", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Export files (lists of cases: personal data) removed a week after they
    # were made, daily at 03:20 (https://crontab.guru/#20_3_*_*_*).
    (
        "dashboard: expire old exports",
        "dashboard.export_expire_old",
        {"minute": "20", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Audit records past AUDIT_RETENTION_DAYS (at least 180) removed daily
    # at 03:30 (https://crontab.guru/#30_3_*_*_*).
    (
        "audit: purge old records",
        "audit.purge_old",
        {"minute": "30", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Idempotency-Keys (and their stored answers) past
    # IDEMPOTENCY_KEY_TTL_HOURS removed daily at 03:50
    # (https://crontab.guru/#50_3_*_*_*).
    (
        "core: idempotency keys expire",
        "core.idempotency_keys_expire",
        {"minute": "50", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
    # Stored files left behind by a rolled-back step, removed once a day at
    # 03:40, when nobody files anything (https://crontab.guru/#40_3_*_*_*).
    (
        "core: orphan files sweep",
        "core.orphan_files_sweep",
        {"minute": "40", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    ),
]


# Rows of tasks that no longer exist, removed where an older deploy wrote
# them: pre-filings' own sweep (their reminders are the clocks' now).
RETIRED = ["prefilings: reminder sweep"]


class Command(BaseCommand):
    help = "Create or update the periodic tasks (Celery beat) declared in code."

    @transaction.atomic
    def handle(self, *args, **options):
        from django.conf import settings
        from django_celery_beat.models import CrontabSchedule, PeriodicTask

        for name, task, fields in SCHEDULE:
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone=settings.TIME_ZONE, **fields)
            obj, created = PeriodicTask.objects.update_or_create(
                name=name,
                defaults={
                    "task": task, "crontab": crontab, "interval": None, "solar": None, "clocked": None,
                    "args": json.dumps([]), "kwargs": json.dumps({}), "enabled": True, "one_off": False,
                },
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {name} -> {task}")
        removed, _ = PeriodicTask.objects.filter(name__in=RETIRED).delete()
        if removed:
            self.stdout.write(f"removed: {', '.join(RETIRED)}")
