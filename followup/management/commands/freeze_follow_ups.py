from django.core.management.base import BaseCommand

from followup.document.publishing import freeze_follow_up, unfrozen_follow_ups


class Command(BaseCommand):
    help = (
        "Makes the frozen page and PDF of every published follow-up that has none yet (one "
        "loaded as published, like the Hisings Backa fixture's), so that no request renders "
        "one. `manage.py load_demo` runs it after loading the demo. Safe to run again."
    )

    def handle(self, *args, **options):
        frozen = 0
        for follow_up in unfrozen_follow_ups():
            freeze_follow_up(follow_up=follow_up)
            frozen += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"Froze “{follow_up.title}”.")
        if options["verbosity"] > 0:
            self.stdout.write(f"{frozen} published follow-ups frozen.")
