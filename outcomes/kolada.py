"""Kolada's public API (https://api.kolada.se/v2), read-only: a KPI's yearly values for a
municipality or an organisational unit, stored on an indicator with their source.

The API's shapes (github.com/Hypergene/kolada):

- `GET /v2/kpi/<KPI>` → `{"count": n, "values": [{"id", "title", "unit", …}]}`; an unknown
  KPI is `count` 0 and no values.
- `GET /v2/data/kpi/<KPI>/municipality/<ID>` (or `/v2/oudata/kpi/<KPI>/ou/<OU>`) →
  `{"count": n, "values": [{"kpi", "municipality" (or "ou"), "period": 2023,
  "values": [{"count": 1, "gender": "T", "status": "", "value": 1234.5}, …]}],
  "next_page": "<url>"}`; gender T is the total, K and M women and men; `value` may be null.
  Answers hold at most 5,000 items and link the next page.

Everything is fetched and checked before anything is stored, so a timeout, a 5xx, an unknown
KPI or an answer of another shape leaves the stored values as they were and says why.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .models import FIRST_YEAR, LAST_YEAR, Indicator, IndicatorValue

DEFAULT_BASE_URL = "https://api.kolada.se/v2"
DEFAULT_TIMEOUT = 10.0
MAX_PAGES = 20
TOTAL = "T"


class KoladaError(Exception):
    """Kolada could not give the values; the message says why, in the user's language."""


@dataclass(frozen=True)
class KPI:
    id: str
    title: str
    unit: str


@dataclass(frozen=True)
class YearValue:
    year: int
    value: Decimal


@dataclass(frozen=True)
class FetchResult:
    kpi: KPI
    created: int
    updated: int
    unchanged: int


def base_url() -> str:
    return getattr(settings, "KOLADA_BASE_URL", DEFAULT_BASE_URL).rstrip("/")


class KoladaClient:
    def __init__(self, base: str | None = None, timeout: float | None = None):
        self.base = (base or base_url()).rstrip("/")
        self.timeout = timeout or getattr(settings, "KOLADA_TIMEOUT", DEFAULT_TIMEOUT)

    def _get(self, url: str) -> dict:
        request = urllib.request.Request(  # noqa: S310 (our own https/http base URL)
            url, headers={"Accept": "application/json", "User-Agent": "medborgarloften"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise KoladaError(
                    _("Kolada answered with a server error (HTTP %(code)s); try again later.")
                    % {"code": error.code}
                ) from None
            raise KoladaError(
                _("Kolada refused the request (HTTP %(code)s); check the KPI and the place.")
                % {"code": error.code}
            ) from None
        except TimeoutError:
            raise KoladaError(
                _("Kolada did not answer within %(seconds)s seconds.") % {"seconds": self.timeout}
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise KoladaError(
                    _("Kolada did not answer within %(seconds)s seconds.")
                    % {"seconds": self.timeout}
                ) from None
            raise KoladaError(
                _("Kolada could not be reached (%(reason)s).") % {"reason": error.reason}
            ) from None
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise KoladaError(_("Kolada's answer was not JSON.")) from None
        if not isinstance(data, dict) or not isinstance(data.get("values"), list):
            raise KoladaError(_("Kolada's answer did not have the expected shape."))
        return data

    def kpi(self, kpi_id: str) -> KPI:
        """The KPI's description; KoladaError if Kolada does not know it."""
        data = self._get(f"{self.base}/kpi/{urllib.parse.quote(kpi_id)}")
        for item in data["values"]:
            if isinstance(item, dict) and item.get("id") == kpi_id:
                return KPI(
                    id=kpi_id, title=str(item.get("title") or ""), unit=str(item.get("unit") or "")
                )
        raise KoladaError(_("Kolada has no KPI %(kpi)s.") % {"kpi": kpi_id})

    def values(self, kpi_id: str, *, municipality: str = "", ou: str = "") -> list[YearValue]:
        """The KPI's yearly totals (gender T) for the place, oldest first."""
        kpi = urllib.parse.quote(kpi_id)
        if municipality:
            url = f"{self.base}/data/kpi/{kpi}/municipality/{urllib.parse.quote(municipality)}"
            place_key, place = "municipality", municipality
        else:
            url = f"{self.base}/oudata/kpi/{kpi}/ou/{urllib.parse.quote(ou)}"
            place_key, place = "ou", ou
        found: dict[int, Decimal] = {}
        for _page in range(MAX_PAGES):
            data = self._get(url)
            for item in data["values"]:
                year_value = self._total(item, kpi_id, place_key, place)
                if year_value is not None:
                    found[year_value.year] = year_value.value
            url = data.get("next_page") or ""
            if not url:
                break
            if not url.startswith(self.base + "/"):
                raise KoladaError(_("Kolada's answer did not have the expected shape."))
        else:
            raise KoladaError(_("Kolada's answer has more pages than expected."))
        return [YearValue(year, value) for year, value in sorted(found.items())]

    @staticmethod
    def _total(item, kpi_id: str, place_key: str, place: str) -> YearValue | None:
        shape_error = KoladaError(_("Kolada's answer did not have the expected shape."))
        if not isinstance(item, dict) or not isinstance(item.get("values"), list):
            raise shape_error
        if item.get("kpi") != kpi_id or str(item.get(place_key)) != place:
            raise shape_error
        try:
            year = int(str(item.get("period")))
        except ValueError:
            raise shape_error from None
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise shape_error
        for entry in item["values"]:
            if not isinstance(entry, dict):
                raise shape_error
            if entry.get("gender") != TOTAL or entry.get("value") is None:
                continue
            try:
                value = Decimal(str(entry["value"]))
            except InvalidOperation:
                raise shape_error from None
            if not value.is_finite():
                raise shape_error
            return YearValue(year, value.quantize(Decimal("0.0001")))
        return None


def update_from_kolada(*, indicator: Indicator, client: KoladaClient | None = None) -> FetchResult:
    """Fetches the indicator's KPI for its place and stores each year's value.

    Years Kolada does not return keep their values; nothing is stored unless the whole answer
    was read and understood (KoladaError otherwise).
    """
    if not indicator.kolada_kpi or not indicator.kolada_place:
        raise KoladaError(
            _("“%(indicator)s” has no Kolada KPI and place to fetch.") % {"indicator": indicator}
        )
    client = client or KoladaClient()
    kpi = client.kpi(indicator.kolada_kpi)
    fetched = client.values(
        kpi.id, municipality=indicator.kolada_municipality, ou=indicator.kolada_ou
    )
    if not fetched:
        raise KoladaError(
            _("Kolada has no values of %(kpi)s for %(place)s.")
            % {"kpi": kpi.id, "place": indicator.kolada_place}
        )
    source = _("Kolada, %(kpi)s %(title)s") % {"kpi": kpi.id, "title": kpi.title}
    source = source[: IndicatorValue._meta.get_field("source").max_length]
    now = timezone.now()
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            v.year: v
            for v in IndicatorValue.objects.select_for_update().filter(indicator=indicator)
        }
        for item in fetched:
            current = existing.get(item.year)
            if current is None:
                IndicatorValue.objects.create(
                    indicator=indicator,
                    year=item.year,
                    value=item.value,
                    source=source,
                    fetched_at=now,
                )
                created += 1
            elif current.value != item.value or current.source != source:
                current.value = item.value
                current.source = source
                current.fetched_at = now
                current.save(update_fields=["value", "source", "fetched_at"])
                updated += 1
            else:
                current.fetched_at = now
                current.save(update_fields=["fetched_at"])
                unchanged += 1
    return FetchResult(kpi=kpi, created=created, updated=updated, unchanged=unchanged)


def fetch_result_message(result: FetchResult) -> str:
    return _(
        "%(created)s new, %(updated)s changed and %(unchanged)s unchanged values from Kolada "
        "(%(kpi)s)."
    ) % {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "kpi": result.kpi.id,
    }


@task()
def fetch_indicator(indicator_id: int) -> str:
    """The admin action's fetch, on a worker: Kolada may take seconds or not answer at all.

    How it went is recorded on the indicator (shown in admin's list of indicators).
    """
    indicator = Indicator.objects.filter(pk=indicator_id).first()
    if indicator is None:
        return "gone"
    with translation.override(settings.LANGUAGE_CODE):
        try:
            message, ok = fetch_result_message(update_from_kolada(indicator=indicator)), True
        except KoladaError as error:
            message = _("%(error)s Stored values are unchanged.") % {"error": error}
            ok = False
    Indicator.objects.filter(pk=indicator_id).update(
        kolada_result=message[:500], kolada_result_ok=ok, kolada_result_at=timezone.now()
    )
    return "fetched" if ok else "failed"
