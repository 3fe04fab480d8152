from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from lofte.accounts.roles import add_coordinator
from lofte.models import Municipality
from lofte.places import municipality_code, unknown_municipality
from parties.models import Publisher


class Command(BaseCommand):
    help = (
        "Onboards a municipality: makes the person with this email its coordinator "
        "(samordnare), creating the account if needed, emails them an invitation, and "
        "optionally adds the municipality as a publisher of its promises. The coordinator "
        "does the rest in admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("municipality", help="the municipality's four-digit code, e.g. 1480")
        parser.add_argument("email", help="the first coordinator's email address")
        parser.add_argument(
            "--publisher", metavar="NAME", help="add a publisher of this name, e.g. Kungälvs kommun"
        )
        parser.add_argument("--publisher-url", metavar="URL", default="")
        parser.add_argument("--publisher-email", metavar="EMAIL", default="")
        parser.add_argument("--publisher-address", metavar="ADDRESS", default="")

    def handle(self, *args, municipality: str, email: str, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not an email address: {email!r}") from None
        code = municipality_code(municipality)
        found = Municipality.objects.filter(code=code).first() if code else None
        if found is None:
            raise CommandError(unknown_municipality(municipality))
        publisher = self.publisher(found, options) if options["publisher"] else None
        with transaction.atomic():
            if publisher is not None and publisher.pk is None:
                publisher.save()
            try:
                user, created = add_coordinator(email=email, municipality=found)
            except ValueError as error:
                raise CommandError(str(error)) from None
        what = "Created" if created else "Updated"
        self.stdout.write(
            f"{what} {user.get_username()}: coordinator in {found} ({found.code}); "
            "invitation queued"
        )
        if publisher is not None:
            self.stdout.write(f"Publisher: {publisher.name}")

    def publisher(self, municipality: Municipality, options) -> Publisher:
        """The publisher named, new (unsaved) or the municipality's own of that name."""
        name = options["publisher"].strip()
        existing = Publisher.objects.filter(name=name).first()
        if existing is not None:
            if existing.municipality_id != municipality.code:
                raise CommandError(f"Another municipality's publisher is named {name!r}.")
            return existing
        publisher = Publisher(
            name=name,
            municipality=municipality,
            url=options["publisher_url"],
            email=options["publisher_email"],
            address=options["publisher_address"],
        )
        try:
            publisher.full_clean()
        except ValidationError as error:
            reasons = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise CommandError(f"The publisher is not valid: {reasons}") from None
        return publisher
