"""Cut the letter fonts (see letters/fonts.py). Idempotent and quick when
they are up to date; ``make run`` and ``make test`` call it."""

from django.core.management.base import BaseCommand, CommandError

from letters.fonts import FontSetupError, font_dir, missing_message, missing_sources, prepare_fonts


class Command(BaseCommand):
    help = "Prepare the CJK fonts of the letters (GB 2312 cut of AR PL UMing, full fallback, heading face)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild even if up to date.")
        parser.add_argument("--optional", action="store_true",
                            help="Missing fonts are a warning, not an error (make run: everything but the "
                                 "letters works without them).")
        parser.add_argument("--missing-packages", action="store_true",
                            help="Only print the Debian packages of the source fonts not installed, one a line.")
        parser.add_argument("--missing-members", action="store_true",
                            help="Only print, for a source font taken out of its package, the package, the "
                                 "file inside it and where it goes, one font a line.")

    def handle(self, *args, force=False, optional=False, missing_packages=False, missing_members=False,
               **options):
        if missing_packages:
            for source in missing_sources():
                if not source.member:
                    self.stdout.write(source.package)
            return
        if missing_members:
            for source in missing_sources():
                if source.member:
                    self.stdout.write(f"{source.package} {source.member} {source.target}")
            return
        try:
            manifest = prepare_fonts(force=force)
        except FontSetupError as exc:
            if not optional:
                raise CommandError(str(exc)) from exc
            # Said once, here; every letter then fails with the same words.
            self.stderr.write(self.style.WARNING(f"{missing_message(missing_sources())} Everything else works."))
            return
        heading = manifest.get("hei") or "none (headings in the song face)"
        body = manifest.get("fang") or "none (the body in the song face)"
        title = manifest.get("title") or "none (masthead and title in the heading face)"
        self.stdout.write(f"Letter fonts ready in {font_dir()}: {manifest['subset']}, {manifest['full']}, "
                          f"{heading}; 仿宋 body face: {body}; 小标宋-like title face: {title}")
        if missing := missing_sources():
            self.stdout.write(f"Optional: {missing_message(missing)}")
