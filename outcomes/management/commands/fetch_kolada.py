"""`manage.py fetch_kolada`: store the Kolada values of the indicators that name a KPI."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outcomes.kolada import KoladaClient, KoladaError, update_from_kolada
from outcomes.models import Indicator


class Command(BaseCommand):
    help = (
        "Fetches from Kolada the values of every indicator that names a KPI (or of the "
        "promise or indicators given) and stores them with their source and fetch date. "
        "An indicator whose answer fails keeps its values; the command then exits with 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--promise", help="only this promise's indicators (its slug)")
        parser.add_argument(
            "--indicator", type=int, action="append", help="only this indicator (its id)"
        )
        parser.add_argument("--base-url", help="Kolada's API, default https://api.kolada.se/v2")
        parser.add_argument("--timeout", type=float, help="seconds to wait for an answer")

    def handle(self, *args, promise=None, indicator=None, base_url=None, timeout=None, **opts):
        indicators = Indicator.objects.exclude(kolada_kpi="").select_related("promise")
        if promise:
            indicators = indicators.filter(promise__slug=promise)
        if indicator:
            indicators = indicators.filter(pk__in=indicator)
        indicators = list(indicators.order_by("promise__slug", "position"))
        if not indicators:
            raise CommandError(_("No indicator with a Kolada KPI matches."))
        client = KoladaClient(base=base_url, timeout=timeout)
        failed = 0
        for item in indicators:
            label = f"{item.promise.slug} · {item.name} ({item.kolada_kpi}, {item.kolada_place})"
            try:
                result = update_from_kolada(indicator=item, client=client)
            except KoladaError as error:
                failed += 1
                self.stderr.write(
                    _("%(label)s: %(error)s Stored values are unchanged.")
                    % {"label": label, "error": error}
                )
                continue
            self.stdout.write(
                _("%(label)s: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                % {
                    "label": label,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
        if failed:
            raise CommandError(
                _("%(failed)s of %(total)s indicators could not be fetched.")
                % {"failed": failed, "total": len(indicators)}
            )
