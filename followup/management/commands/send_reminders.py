import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from followup.review.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Reminds reporters of unsubmitted reports a week and a day before a round's deadline "
        "and once after it. Run daily (cron); a reminder already sent is never sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", help="Act as if today were this date (YYYY-MM-DD); for testing."
        )

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date like 2025-06-23.") from None
        sent = send_due_reminders(today)
        self.stdout.write(f"{sent} reminder(s) sent.")
