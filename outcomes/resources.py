"""Import and export of indicator values, as csv or xlsx, like the other imports.

Columns in Swedish: löfte (the promise's slug), indikator (its name), år, värde, källa,
notering. A row is checked against what the importing user coordinates; any bad row makes
the whole file import nothing (ScopedImportExportMixin), and the same file twice changes
nothing.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from import_export import fields, widgets

from lofte.spreadsheets.resources import ScopedForeignKeyWidget, ScopedResource

from .models import FIRST_YEAR, LAST_YEAR, Indicator, IndicatorValue


def parse_decimal(value) -> Decimal | None:
    """“1 234,5” or 1234.5 as a Decimal; None if it is not a number."""
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = str(value or "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class LocalDecimalWidget(widgets.DecimalWidget):
    """Accepts a Swedish decimal comma and spaces between thousands."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        return parse_decimal(value)


class IndicatorValueResource(ScopedResource):
    promise = fields.Field(column_name="löfte", readonly=True)
    indicator = fields.Field(
        attribute="indicator",
        column_name="indikator",
        widget=ScopedForeignKeyWidget(Indicator, field="name", promise_path="promise"),
    )
    year = fields.Field(attribute="year", column_name="år", widget=widgets.IntegerWidget())
    value = fields.Field(attribute="value", column_name="värde", widget=LocalDecimalWidget())
    source = fields.Field(attribute="source", column_name="källa")
    note = fields.Field(attribute="note", column_name="notering")

    class Meta:
        model = IndicatorValue
        fields = ["promise", "indicator", "year", "value", "source", "note"]
        import_id_fields = ["indicator", "year"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        name = "Indikatorvärden"

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.fields["indicator"].widget.user = user

    def get_queryset(self):
        return super().get_queryset().select_related("indicator__promise")

    def dehydrate_promise(self, obj: IndicatorValue) -> str:
        return obj.indicator.promise.slug

    def _indicator_names(self, promise) -> set[str]:
        """The promise's indicator names, read once per import."""
        cache = self.__dict__.setdefault("_names", {})
        if promise.pk not in cache:
            cache[promise.pk] = set(
                Indicator.objects.filter(promise=promise).values_list("name", flat=True)
            )
        return cache[promise.pk]

    def check_row(self, row, errors):
        promise = self.promise_for(row.get("löfte"), errors)
        if promise is not None:
            name = row.get("indikator") or ""
            if name not in self._indicator_names(promise):
                errors.append(_("The promise has no indicator named “%(name)s”.") % {"name": name})
        year = str(row.get("år") or "").strip()
        if year.endswith(".0"):
            year = year[:-2]
        if not year.isdigit() or not FIRST_YEAR <= int(year) <= LAST_YEAR:
            errors.append(
                _("“år” must be a year between %(first)s and %(last)s, not “%(value)s”.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR, "value": year}
            )
        value = row.get("värde")
        if parse_decimal(value) is None:
            errors.append(_("“värde” must be a number, not “%(value)s”.") % {"value": value or ""})
        elif abs(parse_decimal(value)) >= Decimal("1e10"):
            errors.append(_("“värde” is too large: “%(value)s”.") % {"value": value})
