from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_FIXTURE = "hisings_backa_2024_2025"


class Command(BaseCommand):
    help = (
        "Loads the demo on purpose: the Hisings Backa 2024–2025 promise with its partners, "
        "publishers, reports and published follow-up (fixtures/hisings_backa_2024_2025.json), "
        "and freezes that follow-up so that no request renders it. `make run` and `make demo` "
        "run it; a production site starts without it. Safe to run again."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("loaddata", DEMO_FIXTURE, verbosity=verbosity)
        call_command("freeze_follow_ups", verbosity=verbosity)
