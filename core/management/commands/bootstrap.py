"""Everything ``make run`` does before it starts the processes, in order.
Each step is idempotent, so running it again is safe."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

STEPS = [
    ("migrate", {"interactive": False, "verbosity": 0}),
    ("createcachetable", {}),
    ("load_policies", {}),
    ("demo_data", {}),
    ("setup_periodic_tasks", {}),
    # Fonts are optional here: without them everything but the letters
    # works, and the step says what to install.
    ("prepare_fonts", {"optional": True}),
]


class Command(BaseCommand):
    help = "Migrate, load policies and demo data, set up periodic tasks and fonts."

    def handle(self, *args, **options):
        (settings.VAR_DIR / "broker" / "queue").mkdir(parents=True, exist_ok=True)
        (settings.VAR_DIR / "broker" / "control").mkdir(parents=True, exist_ok=True)
        (settings.VAR_DIR / "broker" / "processed").mkdir(parents=True, exist_ok=True)
        for name, kwargs in STEPS:
            if name == "demo_data" and not settings.DEMO_MODE:
                continue
            self.stdout.write(f"· {name}")
            call_command(name, **kwargs)
        self.stdout.write(self.style.SUCCESS("Set-up complete."))
