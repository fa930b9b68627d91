"""Cut the letter fonts (see letters/fonts.py). Idempotent and quick when
they are up to date; ``make run`` and ``make test`` call it."""

from django.core.management.base import BaseCommand, CommandError

from letters.fonts import FontSetupError, font_dir, prepare_fonts


class Command(BaseCommand):
    help = "Prepare the CJK fonts of the letters (GB 2312 cut of AR PL UMing, full fallback, heading face)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild even if up to date.")

    def handle(self, *args, force=False, **options):
        try:
            manifest = prepare_fonts(force=force)
        except FontSetupError as exc:
            raise CommandError(str(exc)) from exc
        heading = manifest.get("hei") or "none (headings in the song face)"
        self.stdout.write(f"Letter fonts ready in {font_dir()}: {manifest['subset']}, {manifest['full']}, {heading}")
