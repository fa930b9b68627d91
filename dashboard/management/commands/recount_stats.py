"""``recount_stats``: check the dashboard's maintained cells against a full
recount of the cases, and (unless ``--check``) replace them by it."""

import time

from django.core.management.base import BaseCommand, CommandError

from dashboard.services import figures_fold_all, figures_recount


class Command(BaseCommand):
    help = "Recount the dashboard figures from the cases; --check only reports the differences."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="fold the pending changes, then compare without writing (exit 1 on a difference)")

    def handle(self, *args, check, **options):
        started = time.monotonic()
        if check:
            figures_fold_all()
        diffs = figures_recount(repair=not check, out=self.stdout.write if options["verbosity"] > 1 else None)
        for line in diffs[:50]:
            self.stdout.write(line)
        elapsed = time.monotonic() - started
        if check and diffs:
            raise CommandError(f"{len(diffs)} cells differ from the recount ({elapsed:.1f} s)")
        self.stdout.write(self.style.SUCCESS(
            f"{'checked' if check else 'recounted'}: {len(diffs)} cells differed ({elapsed:.1f} s)"))
