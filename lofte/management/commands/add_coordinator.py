from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from lofte.accounts.roles import add_coordinator
from lofte.models import Promise


class Command(BaseCommand):
    help = (
        "Makes the person with this email a coordinator (samordnare) of a promise, creating "
        "the account if needed, and emails them an invitation."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("promise", help="the promise's slug, e.g. centrum-2025-2027")

    def handle(self, *args, email: str, promise: str, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not an email address: {email!r}") from None
        found = Promise.objects.filter(slug=promise).first()
        if found is None:
            raise CommandError(f"No promise with the slug {promise!r}")
        try:
            user, created = add_coordinator(email=email, promise=found)
        except ValueError as error:
            raise CommandError(str(error)) from None
        what = "Created" if created else "Updated"
        self.stdout.write(
            f"{what} {user.get_username()}: coordinator of {found}; invitation queued"
        )
