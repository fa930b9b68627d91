from django.core.management.base import BaseCommand, CommandError

from policies.catalogue import CatalogueError, catalogue_load


class Command(BaseCommand):
    help = (
        "Load the shipped 容错 rule catalogues (policies/catalogues/*.yaml). "
        "Idempotent; never changes a published version."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="Only these jurisdiction codes (default: all).")

    def handle(self, *args, codes=(), verbosity=1, **options):
        try:
            report = catalogue_load(only=list(codes) or None)
        except CatalogueError as exc:
            raise CommandError(f"Catalogue error, nothing loaded: {exc}") from exc
        for line in report.created:
            self.stdout.write(f"created   {line}")
        for line in report.updated:
            self.stdout.write(f"updated   {line}")
        if verbosity > 1:
            for line in report.unchanged:
                self.stdout.write(f"unchanged {line}")
        for line in report.conflicts:
            self.stderr.write(self.style.WARNING(f"conflict  {line}"))
        summary = (
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} versions unchanged, {len(report.conflicts)} conflicts."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not report.conflicts else summary)
