import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from followup.models import ReportingPeriod
from lofte.accounts.roles import ensure_coordinator_group
from lofte.models import Promise
from parties.models import Membership, Partner

DEMO_PASSWORD = "backa-demo-2025"  # noqa: S105 (demo accounts exist only under DEBUG)
DEMO_PROMISE = "hisings-backa-2024-2025"
DEMO_ROUND = "Demoomgång"
DEMO_ROUND_DAYS = 14


def reporter_username(partner: Partner) -> str:
    return slugify(partner.name)  # "Familjebostäder" -> "familjebostader"


class Command(BaseCommand):
    help = (
        "Creates demo accounts (DEBUG only): the coordinator 'samordnare' and one reporter "
        "per partner of the Hisings Backa promise, and an open reporting round to try the "
        "portal with. Safe to run again."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created when DJANGO_DEBUG is on.")
        try:
            promise = Promise.objects.get(slug=DEMO_PROMISE)
        except Promise.DoesNotExist:
            raise CommandError("Load the demo first: manage.py load_demo") from None
        with transaction.atomic():
            rows = self._create(promise)
            period = self._open_round(promise)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role in rows:
            self.stdout.write(f"  {username:<32} {role}")
        self.stdout.write(
            f"Open reporting round: {period.name}, deadline {period.deadline:%Y-%m-%d} "
            "(report at /rapportering/)."
        )

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

    def _open_round(self, promise: Promise) -> ReportingPeriod:
        """A round open from today, so that a demo reporter has something to report on."""
        today = timezone.localdate()
        period, _created = ReportingPeriod.objects.get_or_create(
            promise=promise,
            name=DEMO_ROUND,
            defaults={
                "starts_on": today,
                "deadline": today + datetime.timedelta(days=DEMO_ROUND_DAYS),
                "is_open": True,
            },
        )
        return period

    def _user(self, User, username: str, **names):
        user, created = User.objects.get_or_create(
            username=username, defaults={**names, "email": f"{username}@example.org"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
