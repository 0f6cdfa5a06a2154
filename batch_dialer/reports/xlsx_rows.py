"""Bulk rows of the XLSX report (the per-contact detail) written as XML straight into XlsxWriter's
constant-memory row file.

XlsxWriter's cell API costs a few µs a cell: a 9-column detail row ~40 µs, ~20-24 k rows/s on the
2-core machines we run on, under half the 50 k detail rows/s the report aims at. In constant_memory
mode XlsxWriter writes each finished row as XML to a temporary file and copies that file into
``<sheetData>`` when the workbook closes. ``StreamedSheet`` (a worksheet class, XlsxWriter's own way
of extending a sheet) appends the very XML XlsxWriter writes for inline-string and number cells
(tests/reports/test_xlsx_rows.py compares the two byte for byte) at a few µs a row.

Text only ever becomes an inline string, never a formula. A row with anything unusual — a hyperlink,
text needing XML escapes or control-character codes, edge whitespace, very long text, NaN — goes
through XlsxWriter's own API, which knows every one of those rules.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from batch_dialer.reports.agent_model import Link
from batch_dialer.reports.errors import ReportError

__all__ = ["WEB_LINKS", "StreamedSheet"]

#: A link from a centre never opens a local file or a script: only these become hyperlinks.
WEB_LINKS = ("http://", "https://")

#: Text that is more than ``<t>text</t>``: XML specials and control characters (XlsxWriter writes those
#: as _xHHHH_ and escapes a literal _xHHHH_); so is text with leading or trailing whitespace
#: (xml:space="preserve"), which ``text.strip() is not text`` finds.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_x[0-9a-fA-F]{4}_")
_PLAIN_CHARS = 16383  # longer text may pass Excel's 32767 UTF-16 units: XlsxWriter truncates it
_FLUSH_ROWS = 2000
_COPY_BYTES = 1 << 20


class StreamedSheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no type hints
    """A constant-memory worksheet with a fast ``append_rows``; add it with
    ``workbook.add_worksheet(name, worksheet_class=StreamedSheet)``."""

    #: Excel's limit of hyperlinks in one worksheet; past it (or past Excel's URL length, XlsxWriter's
    #: max_url_length) a link is shown as its URL, as text.
    max_links = 65530
    # XlsxWriter's own state this class keeps in step: the row its API fills (constant_memory: rows
    # above it are written) and the sheet's extent (its <dimension>)
    previous_row: int
    dim_rowmin: int | None
    dim_colmin: int | None

    def append_rows(
        self,
        first_row: int,
        rows: Iterable[Sequence[Any]],
        number_formats: Sequence[Any] = (),
        link_format: Any = None,
    ) -> int:
        """Write ``rows`` from the 0-based ``first_row`` on and return the next free row.

        A value is text (``""`` leaves the cell empty), an int or float (in ``number_formats[col]``
        when one is given, e.g. the date columns' serial numbers), None (empty) or a ``Link``.
        """
        if not self.constant_memory:
            raise ValueError("StreamedSheet needs a workbook in constant_memory mode")
        if first_row < self.previous_row or (first_row == self.previous_row and self.table.get(first_row)):
            raise ValueError(f"row {first_row} comes after rows already written: rows go in order")
        self._write_single_row(first_row)  # what XlsxWriter's own API still holds goes out first
        styles = [f' s="{fmt._get_xf_index()}"' if fmt is not None else "" for fmt in number_formats]
        letters: list[str] = []
        parts: list[str] = []
        row = first_row
        api_row_held = False  # XlsxWriter holds a row until the next one starts
        for values in rows:
            if row >= self.xls_rowmax:
                raise ReportError(
                    f"more rows than an Excel sheet holds ({self.xls_rowmax:,}): export this campaign as csv"
                )
            if len(values) > len(letters):
                letters = [xl_col_to_name(col) for col in range(len(values))]
                styles += [""] * (len(values) - len(styles))
            xml = _row_xml(row + 1, values, letters, styles)
            if xml is None:  # unusual: XlsxWriter's API writes it, after what is buffered here
                self.fh.write("".join(parts))
                parts.clear()
                self._api_row(row, values, number_formats, link_format)
                api_row_held = True
            else:
                if api_row_held:
                    self._write_single_row(row)
                    api_row_held = False
                if xml:
                    parts.append(xml)
                if len(parts) >= _FLUSH_ROWS:
                    self.fh.write("".join(parts))
                    parts.clear()
            row += 1
        self.fh.write("".join(parts))
        if row > first_row:  # the sheet's <dimension>, as XlsxWriter's API would have noted it
            self.dim_rowmin = first_row if self.dim_rowmin is None else min(self.dim_rowmin, first_row)
            self.dim_colmin = 0
            self._check_dimensions(row - 1, len(letters) - 1)
        self._write_single_row(row)  # a row the API holds goes out; the API's next row is ``row``
        return row

    def _write_optimized_sheet_data(self) -> None:
        """XlsxWriter's own, copying the row file into the sheet as bytes: its text-mode copy
        decodes and re-encodes every row, ~0.15 s per 100 k detail rows."""
        target = getattr(self.fh, "buffer", None)
        if self.dim_rowmin is None or target is None:
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.fh.flush()
        self.row_data_fh.close()
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, target, _COPY_BYTES)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _api_row(
        self, row: int, values: Sequence[Any], number_formats: Sequence[Any], link_format: Any
    ) -> None:
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, Link):
                url, text = value.url, value.text or value.url
                linked = (
                    url.startswith(WEB_LINKS)
                    and self.hlink_count < self.max_links
                    and len(url) <= self.max_url_length  # Excel's 2079 characters
                )
                if not linked or self.write_url(row, col, url, link_format, text) < 0:
                    self.write_string(row, col, url)  # the address, as text
            elif isinstance(value, int | float) and not isinstance(value, bool):
                fmt = number_formats[col] if col < len(number_formats) else None
                self.write_number(row, col, value, fmt)
            else:
                self.write_string(row, col, str(value))


def _row_xml(
    number: int,
    values: Sequence[Any],
    letters: list[str],
    styles: list[str],
    special: Any = _SPECIAL.search,
) -> str | None:
    """The ``<row>`` XlsxWriter would write for ``values`` ("" when it would write none), or None
    when the row needs XlsxWriter's own API."""
    cells = []
    for col, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if not value:
                continue
            if (
                len(value) > _PLAIN_CHARS
                or value.strip() is not value
                or special(value)
                or ("_x" in value and _ESCAPE_LIKE.search(value))
            ):
                return None
            cells.append(f'<c r="{letters[col]}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
        elif kind is int or (kind is float and math.isfinite(value)):
            cells.append(f'<c r="{letters[col]}{number}"{styles[col]}><v>{value:.16G}</v></c>')
        elif value is not None:
            return None
    return f'<row r="{number}">{"".join(cells)}</row>' if cells else ""
