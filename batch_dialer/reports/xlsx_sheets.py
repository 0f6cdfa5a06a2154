"""Sheet-building blocks for write-only workbooks: titled tables that remember where they landed,
so native charts can point at them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from batch_dialer.reports.formula_cells import xlsx_row

__all__ = ["PERCENT", "Sheet", "TableSpan", "TableWriter", "set_widths"]

#: A write-only worksheet; typed loosely because openpyxl's stubs miss the attributes it copies
#: from the ordinary worksheet at run time (column_dimensions, auto_filter, add_chart).
Sheet = Any

PERCENT = "0.0%"
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True, slots=True)
class TableSpan:
    header_row: int
    first_row: int
    last_row: int  # == header_row when the table has no rows

    @property
    def empty(self) -> bool:
        return self.last_row < self.first_row


class TableWriter:
    """Appends rows to a write-only sheet and counts them (write-only sheets cannot be read back)."""

    def __init__(self, ws: Sheet) -> None:
        self.ws = ws
        self.row = 0

    def append(self, values: Sequence[Any]) -> None:
        self.ws.append(xlsx_row(self.ws, values))  # names and labels come from users: never a formula
        self.row += 1

    def blank(self) -> None:
        self.append([])

    def title(self, text: str, size_large: bool = False) -> None:
        cell = WriteOnlyCell(self.ws, text)
        cell.font = _TITLE if size_large else _BOLD
        self.append([cell])

    def header(self, names: Sequence[str]) -> None:
        cells = []
        for name in names:
            cell = WriteOnlyCell(self.ws, name)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(horizontal="center")
            cells.append(cell)
        self.append(cells)

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
        self.header(headers)
        header_row = self.row
        for values in rows:
            cells: list[Any] = []
            for index, value in enumerate(values):
                if formats and index in formats and value is not None:
                    cell = WriteOnlyCell(self.ws, value)
                    cell.number_format = formats[index]
                    cells.append(cell)
                else:
                    cells.append(value)
            self.append(cells)
        span = TableSpan(header_row, header_row + 1, self.row)
        self.blank()
        return span


def set_widths(ws: Sheet, widths: Sequence[float]) -> None:
    """Column widths must be set before the first row of a write-only sheet."""
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
