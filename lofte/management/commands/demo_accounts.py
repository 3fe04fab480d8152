from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from lofte.models import Promise
from lofte.roles import ensure_coordinator_group
from parties.models import Membership, Partner

DEMO_PASSWORD = "backa-demo-2025"  # noqa: S105 (demo accounts exist only under DEBUG)
DEMO_PROMISE = "hisings-backa-2024-2025"


def reporter_username(partner: Partner) -> str:
    return slugify(partner.name)  # "Familjebostäder" -> "familjebostader"


class Command(BaseCommand):
    help = (
        "Creates demo accounts (DEBUG only): the coordinator 'samordnare' and one reporter "
        "per partner of the Hisings Backa promise. Safe to run again."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created when DJANGO_DEBUG is on.")
        try:
            promise = Promise.objects.get(slug=DEMO_PROMISE)
        except Promise.DoesNotExist:
            raise CommandError(
                "Load the fixture first: manage.py loaddata hisings_backa_2024_2025"
            ) from None
        with transaction.atomic():
            rows = self._create(promise)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role in rows:
            self.stdout.write(f"  {username:<32} {role}")

    def _create(self, promise: Promise) -> list[tuple[str, str]]:
        User = get_user_model()
        group = ensure_coordinator_group()
        coordinator = self._user(User, "samordnare", first_name="Sam", last_name="Ordnare")
        coordinator.is_staff = True
        coordinator.save(update_fields=["is_staff"])
        coordinator.groups.add(group)
        promise.coordinators.add(coordinator)
        rows = [("samordnare", f"samordnare för {promise}")]
        for partner in promise.partners.all():
            username = reporter_username(partner)
            user = self._user(User, username, first_name="Rapportör", last_name=partner.name)
            Membership.objects.get_or_create(user=user, partner=partner)
            rows.append((username, f"rapportör för {partner.name}"))
        return rows

    def _user(self, User, username: str, **names):
        user, created = User.objects.get_or_create(
            username=username, defaults={**names, "email": f"{username}@example.org"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
