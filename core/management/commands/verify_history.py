"""Check every history chain (core.history) and report the first broken
link of each table. Exit status 1 when a link is broken."""

from django.core.management.base import BaseCommand, CommandError

from core.history import CHAINS, chain_verify


class Command(BaseCommand):
    help = "Verify the SHA-256 and SM3 hash chains of the case history and the audit log."

    def handle(self, *args, **options):
        broken = []
        for chain in CHAINS.values():
            found = chain_verify(chain)
            if found is None:
                self.stdout.write(f"{chain.table}: ok")
            else:
                broken.append(found)
                self.stdout.write(f"{chain.table}: BROKEN at {found}")
        if broken:
            raise CommandError(f"first broken link: {broken[0]}")
