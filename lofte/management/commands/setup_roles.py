from django.core.management.base import BaseCommand

from lofte.accounts.roles import ensure_coordinator_group


class Command(BaseCommand):
    help = "Creates or updates the Samordnare (coordinator) group and its permissions."

    def handle(self, *args, **options):
        group = ensure_coordinator_group()
        self.stdout.write(f"{group.name}: {group.permissions.count()} permissions")
