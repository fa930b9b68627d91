"""List or remove stored files that no row refers to (what the daily
``core.orphan_files_sweep`` task does)."""

import datetime as dt

from django.core.management.base import BaseCommand

from core.storage import GRACE, orphan_files_sweep


class Command(BaseCommand):
    help = "Remove stored files no database row refers to, older than a grace period."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list them")
        parser.add_argument("--grace-hours", type=float, default=GRACE.total_seconds() / 3600,
                            help="leave files younger than this alone (default: %(default)s)")

    def handle(self, *args, dry_run=False, grace_hours=24.0, **options):
        names = orphan_files_sweep(grace=dt.timedelta(hours=grace_hours), dry_run=dry_run)
        for name in names:
            self.stdout.write(name)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(names)} file(s)"))
