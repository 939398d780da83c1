"""Catalog files in and out: UTF-8 CSV or XLSX read into a table, refused with a clear reason.

What a file may be, decided here once:
- CSV must be UTF-8 (a byte-order mark is fine). Anything else, a Latin-1 or Windows-1252 export
  from an old spreadsheet, is refused with how to save it as UTF-8: guessing an encoding would
  turn "Crème" into "CrÃ¨me" without a word.
- XLSX is read with formulas as formulas (never their cached results), so they can be refused.
- At most MAX_ROWS data rows: counting stops at the first row over, before anything is built.
- Cells starting with `=`, `+`, `-` or `@` are formulas to a spreadsheet. Export neutralises them
  with a leading apostrophe (`'=1+2`), which import takes off again, so a round trip is exact;
  import refuses any other such cell (plain numbers like `-5` excepted: they reach the field's
  own check).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import tablib
from openpyxl import Workbook, load_workbook

from config.errors import DomainError

MAX_ROWS = 100_000
MAX_BYTES = 32 * 1024 * 1024
FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@")
NEUTRALISER = "'"
NUMBER = re.compile(r"[+-]?\d+([.,]\d*)?")


class FileRefused(DomainError):
    """A catalog file that cannot be read at all: wrong type, encoding, columns or size."""

    code = "import_file_refused"
    status = 400
    title = "File refused"


def file_format(name: str) -> str:
    """`csv` or `xlsx` from a file name, or FileRefused."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "xls":
        raise FileRefused(
            f"{name} is an old Excel (.xls) file: save it as Excel Workbook (.xlsx) or CSV UTF-8."
        )
    if extension not in FORMATS:
        raise FileRefused(f"{name} is not a CSV or XLSX file: export it as .csv or .xlsx.")
    return extension


def read_table(name: str, data: bytes) -> tablib.Dataset:
    """The file's header row and data rows as a Dataset of strings (None for an empty cell)."""
    if len(data) > MAX_BYTES:
        raise FileRefused(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    rows = _xlsx_rows(name, data) if file_format(name) == "xlsx" else _csv_rows(name, data)
    header = next(rows, None)
    if header is None or not any(header):
        raise FileRefused(f"{name} is empty: the first row must name the columns.")
    headers = [str(cell or "").strip().lower() for cell in header]
    while headers and not headers[-1]:  # a sheet's formatted but empty columns
        headers.pop()
    table = tablib.Dataset(headers=headers)
    for count, row in enumerate(rows, 1):
        if count > MAX_ROWS:
            raise _too_many(name)
        cells = [_cell(value) for value in row][: len(headers)]
        if not any(cells):
            continue  # a blank line, often at the end of a hand-edited file
        table.append(cells + [None] * (len(headers) - len(cells)))
    return table


def _too_many(name: str) -> FileRefused:
    return FileRefused(f"{name} has more than {MAX_ROWS:,} rows: split it into smaller files.")


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _csv_rows(name: str, data: bytes) -> Iterator[list[str]]:
    if b"\x00" in data[:4096]:
        raise FileRefused(f"{name} is not a text file: export the sheet as CSV UTF-8 or XLSX.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            f"{name} is not UTF-8 (a byte on line {line} is not): save it as CSV UTF-8 "
            "(Excel: File > Save As > CSV UTF-8) and upload it again."
        ) from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""), strict=True)
    except csv.Error as error:
        raise FileRefused(f"{name} is not a readable CSV file: {error}.") from None


def _xlsx_rows(name: str, data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRefused(f"{name} is not an XLSX workbook Excel can open.") from None
    try:
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) > MAX_ROWS + 1:  # the sheet's own dimension: no row read yet
            raise _too_many(name)
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def formula_error(value: str | None) -> str | None:
    """Why an imported cell is refused as a formula, or None."""
    if value is None or not value.startswith(FORMULA_STARTS) or NUMBER.fullmatch(value):
        return None
    return (
        f"starts with {value[0]!r}, which spreadsheets run as a formula: formulas are not "
        f"imported. Type the value itself, or start the cell with an apostrophe ({NEUTRALISER}"
        f"{value[:12]}) to keep it as text."
    )


def unneutralise(value: str | None) -> str | None:
    """`'=x` (as export writes a cell that starts with `=`) back to `=x`."""
    if value and value.startswith(NEUTRALISER) and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def neutralise(value: Any) -> Any:
    """A cell spreadsheets would run as a formula, made text with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return NEUTRALISER + value
    return value


def write_table(headers: list[str], rows: Iterable[list[Any]], fmt: str) -> bytes:
    """Rows as a UTF-8 CSV (with a BOM, so Excel reads it as UTF-8) or an XLSX workbook."""
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("catalog")
        sheet.append(headers)
        for row in rows:
            sheet.append([neutralise(value) for value in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([neutralise(value) for value in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")
