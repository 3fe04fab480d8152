"""What a value may hold, in one place: used by the models' fields, so that admin forms,
the portal's forms and imports (which clean each row's model) all refuse the same input.

- A name is one line: no line break nor any other control character ("Ellen Keyskolan\\n"
  would break the document's headings, the csv exports and the admin's lists).
- A text may span lines but holds no control characters besides tab and line breaks, and
  has a bound, so that no stored text can make a page or PDF render run for minutes.
- A number fits its PostgreSQL column (SQLite would store anything), and a date lies in
  years a promise can have.
"""

import datetime
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Bounds of free text, in characters.
REPORT_TEXT_MAX = 10_000  # what a partner writes in a report or contribution
DOCUMENT_TEXT_MAX = 10_000  # a promise's text, a follow-up's introduction and closing words
DESCRIPTION_MAX = 5_000  # descriptions, rationales, evidence, comments
SENTENCE_MAX = 2_000  # a commitment, a highlight

# PostgreSQL's columns: smallint and integer.
SMALLINT_MAX = 32_767
INTEGER_MAX = 2_147_483_647

# The years a promise, a round or a follow-up can have.
FIRST_DATE = datetime.date(2000, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)

# Line and paragraph separators are not control characters (Cc) but break a line all the same.
_LINE_BREAKING = {"Zl", "Zp"}
_TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\r"}


def _first_unwanted(value: str, allowed: set[str]) -> str | None:
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) in {"Cc", "Cs"} | _LINE_BREAKING:
            return char
    return None


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


@deconstructible
class SingleLineValidator:
    """One line of text: no line break, tab or other control character."""

    message = _(
        "Write this on one line: line breaks and control characters (%(character)s) "
        "are not allowed."
    )
    code = "single_line"

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        char = _first_unwanted(value, set())
        if char is not None:
            raise ValidationError(
                self.message, code=self.code, params={"character": _describe(char)}
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, SingleLineValidator)


@deconstructible
class PlainTextValidator:
    """Text over any number of lines, without control characters other than tab and breaks."""

    message = _("The text holds a control character (%(character)s) that cannot be stored.")
    code = "control_character"

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        char = _first_unwanted(value, _TEXT_CONTROLS_ALLOWED)
        if char is not None:
            raise ValidationError(
                self.message, code=self.code, params={"character": _describe(char)}
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, PlainTextValidator)


single_line = SingleLineValidator()
plain_text = PlainTextValidator()


def bounded_text(limit: int) -> list:
    """Validators of a multi-line text field of at most `limit` characters.

    A model TextField's max_length reaches its form field (and the browser, as maxlength)
    but is not checked by the model itself; imports clean the model, so it is listed here.
    """
    return [plain_text, MaxLengthValidator(limit)]


def fits_column(maximum: int) -> list:
    """Validators of an integer field whose PostgreSQL column holds at most `maximum`."""
    return [MinValueValidator(0), MaxValueValidator(maximum)]


@deconstructible
class SaneDateValidator:
    """A date in the years a promise can have (2000–2100)."""

    message = _("Give a date between %(first)s and %(last)s.")
    code = "date_out_of_range"

    def __call__(self, value) -> None:
        if isinstance(value, datetime.date) and not FIRST_DATE <= value <= LAST_DATE:
            raise ValidationError(
                self.message,
                code=self.code,
                params={"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, SaneDateValidator)


sane_date = SaneDateValidator()


def limit_text(limit: int) -> str:
    """The limit as the active language writes it: “10 000”, “10,000”."""
    return number_format(limit, use_l10n=True, force_grouping=True)


def _length_hint(limit: int, help_text: str = "") -> str:
    hint = gettext("At most %(limit)s characters.") % {"limit": limit_text(limit)}
    return f"{help_text} {hint}" if help_text else hint


# A form field's help text with its length limit after it, in the language of the page.
length_hint = lazy(_length_hint, str)


class TextFormField(forms.CharField):
    """A multi-line text's form field: a line break counts as one character, as the writer
    sees it, though browsers send it as two ("\\r\\n")."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value)
