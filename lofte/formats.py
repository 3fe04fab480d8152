"""Numbers as the documents and pages write them, in the active language."""

from decimal import Decimal

from django.utils import formats


def format_number(value: Decimal | None, unit: str = "") -> str:
    """“1 000 st”, “2,5 timmar”, “62 %”; “–” when there is no value. A whole number loses
    its decimals, and a no-break space joins number and unit."""
    if value is None:
        return "–"
    whole = value == value.to_integral_value()
    value = value.quantize(Decimal(1)) if whole else value.normalize()
    text = formats.number_format(value, use_l10n=True, force_grouping=True)
    return f"{text}\xa0{unit}" if unit else text
