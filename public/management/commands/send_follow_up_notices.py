from django.core.management.base import BaseCommand

from public.subscriptions import send_notices


class Command(BaseCommand):
    help = "Mail subscribers about newly published follow-ups (run every few minutes)."

    def handle(self, *args, **options):
        sent = send_notices()
        self.stdout.write(f"{sent} sent")
