"""csv and xlsx files written row by row, so that a file of any length takes little memory.

They hold what django-import-export's files (made through tablib) held, cell for cell: the
same text, numbers and encoding. The xlsx looks the same too: a bold header row that stays
in view, multi-line cells wrapped, each column as wide as its longest cell. A write-only
sheet sets its column widths before its first row, so the widths are measured on the first
WIDTH_SAMPLE rows (for files of up to that many rows, exactly as tablib measured them).
"""

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import logging
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

logger = logging.getLogger(__name__)

# A csv response is sent in pieces of about this many bytes (one write to the socket each).
CSV_PIECE = 64 * 1024
WIDTH_SAMPLE = 2000
# What tablib names the sheet of a Dataset without a title; files keep looking as they did.
SHEET_TITLE = "Tablib Dataset"
# The longest text a cell holds; openpyxl cuts a longer one.
MAX_CELL_TEXT = 32767
# Values openpyxl stores as they are; any other is stored as its text, as tablib did.
_STORED_AS_IS = (str, bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)


def csv_pieces(
    headers: list[str], rows: Iterable[list], encoding: str = "utf-8"
) -> Iterator[bytes]:
    """The csv file in pieces of about CSV_PIECE bytes: the header row, then the rows.

    The same dialect as tablib's (Excel's: commas, CRLF, quotes only where needed). An
    incremental encoder writes a byte-order mark, if the encoding has one, only once.
    """
    encoder = codecs.getincrementalencoder(encoding)()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if headers:
        writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CSV_PIECE:
            yield encoder.encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    yield encoder.encode(buffer.getvalue(), final=True)


def write_csv(headers: list[str], rows: Iterable[list], file: BinaryIO, encoding="utf-8") -> None:
    for piece in csv_pieces(headers, rows, encoding):
        file.write(piece)


def _stored(value, escape_illegal: bool):
    """The value as the cell will hold it (tablib fell back to the text of what openpyxl
    refuses; django-import-export's IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT replaces
    control characters)."""
    if value is None or isinstance(value, _STORED_AS_IS):
        if escape_illegal and type(value) is str:
            return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
        return value
    return str(value)


def _width(value) -> int:
    """tablib's measure of a cell: the length of its text ("None" for an empty one)."""
    text = str(value)
    return min(len(text), MAX_CELL_TEXT) if isinstance(value, str) else len(text)


def write_xlsx(
    headers: list[str], rows: Iterable[list], file: BinaryIO, *, escape_illegal: bool = False
) -> None:
    """Writes the sheet to `file` through openpyxl's write-only workbook.

    A control character that a sheet cannot hold is a ValueError with django-import-export's
    message (or a replacement character, with escape_illegal), as the library's export was.
    """
    stored = ([_stored(value, escape_illegal) for value in row] for row in rows)
    sample = list(itertools.islice(stored, WIDTH_SAMPLE))
    widths = [_width(header) for header in headers]
    for row in sample:
        for column, value in enumerate(row):
            if column < len(widths):
                widths[column] = max(widths[column], _width(value))
            else:
                widths.append(_width(value))

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    wrap = Alignment(wrap_text=True)
    try:
        if headers:
            sheet.freeze_panes = "A2"
            bold = Font(bold=True)
            sheet.append([_header_cell(sheet, header, bold) for header in headers])
        for row in itertools.chain(sample, stored):
            if any(isinstance(value, str) and "\n" in value for value in row):
                row = [_wrapped(sheet, value, wrap) for value in row]
            sheet.append(row)
        book.save(file)
    except IllegalCharacterError as error:
        _remove_sheet_file(sheet)
        logger.exception(error)
        # Not the cell's text: that would echo what was written into the page.
        raise ValueError(_("export failed due to IllegalCharacterError")) from None
    except BaseException:
        _remove_sheet_file(sheet)
        raise


def _header_cell(sheet, value, bold: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = bold
    return cell


def _wrapped(sheet, value, wrap: Alignment):
    if not (isinstance(value, str) and "\n" in value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.alignment = wrap
    return cell


def _remove_sheet_file(sheet) -> None:
    """openpyxl deletes the temporary file a write-only sheet is written to only when the
    book is saved (or the process ends); a failed export must not leave it behind."""
    writer = getattr(sheet, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()
