"""Numbers and lists as the documents and pages write them, in the active language."""

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext


def format_number(value: Decimal | None, unit: str = "") -> str:
    """“1 000 st”, “2,5 timmar”, “62 %”; “–” when there is no value. A whole number loses
    its decimals, and a no-break space joins number and unit."""
    if value is None:
        return "–"
    whole = value == value.to_integral_value()
    value = value.quantize(Decimal(1)) if whole else value.normalize()
    text = formats.number_format(value, use_l10n=True, force_grouping=True)
    return f"{text}\xa0{unit}" if unit else text


def join_in_words(words: list[str]) -> str:
    """“skola, lokalområde, fritid och familj”."""
    if len(words) <= 1:
        return "".join(words)
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}
