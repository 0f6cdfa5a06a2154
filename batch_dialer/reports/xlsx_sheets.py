"""Sheet-building blocks over XlsxWriter: the report workbook with its shared formats, titled tables
that remember where they landed (so native charts can point at them) and column widths.

The workbook is in constant_memory mode — each row goes to disk once the next one starts, so memory
stays flat however many contacts there are — which means rows are written in order, top to bottom.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook

from batch_dialer.reports.formula_cells import write_xlsx_value

__all__ = [
    "DATETIME",
    "PERCENT",
    "WORKBOOK_OPTIONS",
    "Book",
    "Sheet",
    "TableSpan",
    "TableWriter",
    "chart_series",
    "chart_size",
    "set_widths",
]

#: An XlsxWriter worksheet (XlsxWriter ships no type hints).
Sheet = Any

PERCENT = "0.0%"
DATETIME = "yyyy-mm-dd h:mm:ss"  # what the report's date cells have always shown
_HEADER_FILL = "#DDEBF7"
_LINK_BLUE = "#0563C1"
_PIXELS_PER_CM = 96 / 2.54
_PIXELS_PER_CHARACTER = 7  # Calibri 11's widest digit, which Excel's column widths count in

#: Text is text: XlsxWriter's write() would otherwise turn "=…" into a formula, "http…" into a link
#: and "1e5" into a number. Cells are written with write_string / write_number anyway
#: (formula_cells.write_xlsx_value); these make a slip there harmless.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": DATETIME,
}


class Book:
    """The report workbook and its formats (an XlsxWriter format belongs to one workbook)."""

    def __init__(self, path: Path) -> None:
        self.wb = Workbook(str(path), WORKBOOK_OPTIONS)
        self.wb.use_zip64()  # a campaign of millions of contacts makes a sheet over 2 GB unzipped
        self._numbers: dict[str, Any] = {}
        add = self.wb.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.sheet_header = add({"bold": True, "bg_color": _HEADER_FILL})
        self.table_header = add({"bold": True, "bg_color": _HEADER_FILL, "align": "center"})
        self.link = add({"font_color": _LINK_BLUE, "underline": 1})
        self.datetime = self.number(DATETIME)

    def number(self, num_format: str) -> Any:
        """The format of a number shown as ``num_format`` (one per distinct format)."""
        if num_format not in self._numbers:
            self._numbers[num_format] = self.wb.add_format({"num_format": num_format})
        return self._numbers[num_format]

    def sheet(self, title: str, widths: Sequence[float], worksheet_class: Any = None) -> Sheet:
        ws = self.wb.add_worksheet(title, worksheet_class=worksheet_class)
        set_widths(ws, widths)
        return ws

    def close(self) -> None:
        self.wb.close()


@dataclass(frozen=True, slots=True)
class TableSpan:
    """Where a table landed, as 0-based row indexes (what XlsxWriter's chart ranges take)."""

    header_row: int
    first_row: int
    last_row: int  # == header_row when the table has no rows

    @property
    def empty(self) -> bool:
        return self.last_row < self.first_row


class TableWriter:
    """Writes rows one after the other (the sheet is write-once) and knows the next free row."""

    def __init__(self, book: Book, ws: Sheet) -> None:
        self.book = book
        self.ws = ws
        self.row = 0  # the next row to write, 0-based

    def append(self, values: Sequence[Any], formats: Sequence[Any] = ()) -> None:
        """A row of values, ``formats[i]`` (an XlsxWriter format or None) for the i-th."""
        for col, value in enumerate(values):
            write_xlsx_value(self.ws, self.row, col, value, formats[col] if col < len(formats) else None)
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def title(self, text: str, size_large: bool = False) -> None:
        self.append([text], [self.book.title if size_large else self.book.bold])

    def header(self, names: Sequence[str]) -> None:
        self.append(names, [self.book.table_header] * len(names))

    def table(
        self,
        title: str | None,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        formats: dict[int, str] | None = None,
    ) -> TableSpan:
        """A titled table; ``formats`` maps a column index to an Excel number format."""
        if title:
            self.title(title)
        header_row = self.row
        self.header(headers)
        formats = formats or {}
        width = max(len(headers), 1 + max(formats, default=0))
        cell_formats = [self.book.number(formats[i]) if i in formats else None for i in range(width)]
        for values in rows:
            self.append(values, cell_formats)
        span = TableSpan(header_row, header_row + 1, self.row - 1)
        self.blank()
        return span


def set_widths(ws: Sheet, widths: Sequence[float]) -> None:
    """Column widths as the report has always stored them (in characters of the widest digit).

    XlsxWriter adds Excel's 5-pixel cell padding to a width in characters; giving pixels keeps the
    stored width what it was with openpyxl, so the columns look as they did.
    """
    for col, width in enumerate(widths):
        ws.set_column_pixels(col, col, round(width * _PIXELS_PER_CHARACTER))


def chart_series(ws: Sheet, span: TableSpan, category_col: int, value_col: int) -> dict[str, Any]:
    """A native chart's series over a table: its header cell names it, its rows are the points."""
    name = ws.get_name()
    return {
        "name": [name, span.header_row, value_col],
        "categories": [name, span.first_row, category_col, span.last_row, category_col],
        "values": [name, span.first_row, value_col, span.last_row, value_col],
    }


def chart_size(chart: Any, width_cm: float, height_cm: float) -> None:
    chart.set_size({"width": round(width_cm * _PIXELS_PER_CM), "height": round(height_cm * _PIXELS_PER_CM)})
