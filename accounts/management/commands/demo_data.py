from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, build_demo_org
from cases.demo import build_demo_cases
from clarifications.demo import build_demo_clarifications
from policies.models import Jurisdiction
from prefilings.demo import build_demo_prefiling


class Command(BaseCommand):
    help = "Create the demo org tree and users (password demo-pass-2026); demo mode only."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("demo_data runs only with DJANGO_DEMO_MODE on: demo passwords are public.")
        world = build_demo_org(password=DEMO_PASSWORD, extra=True)
        # Link the shipped policy catalogues to the demo jurisdictions.
        for code in ("huailai", "kunming"):
            Jurisdiction.objects.filter(code=code, org_unit__isnull=True).update(org_unit=world["units"][code])
        build_demo_cases(world)
        build_demo_prefiling(world)
        build_demo_clarifications(world)
        self.stdout.write(f"Demo users: {', '.join(world['users'])} (password {DEMO_PASSWORD})")
