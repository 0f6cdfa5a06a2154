"""Contact data that looks like a spreadsheet formula stays data in every export (CSV injection).

A name such as ``=HYPERLINK("http://evil","点我")``, ``+cmd|' /C calc'!A0``, ``@SUM(A1)``, ``-2+3`` or
one that starts with a tab or carriage return would be run by Excel or WPS when the report is opened.
One rule decides which values are formula-like, for every writer:

- XLSX (openpyxl and the streamed rejects workbook): the value is written as a text cell, unchanged;
  openpyxl would otherwise turn a string starting with "=" into a live formula.
- CSV: the OWASP way — a single quote is put in front and the field is quoted, embedded quotes
  doubled (the csv module's quoting), so no spreadsheet evaluates it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

__all__ = ["FORMULA_TRIGGERS", "csv_field", "looks_like_formula", "xlsx_row", "xlsx_value"]

#: First characters that make Excel, WPS or LibreOffice read a cell as a formula (OWASP list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """True for text a spreadsheet would evaluate when it is typed into a cell or read from a CSV."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_field(value: object) -> object:
    """The CSV form of a value: formula-like text gets a leading single quote (OWASP)."""
    return "'" + value if isinstance(value, str) and looks_like_formula(value) else value


def xlsx_value(ws: Any, value: Any) -> Any:
    """The value to append to a write-only sheet: formula-like text becomes an explicit text cell.

    A WriteOnlyCell that already carries a formula-like text value (headers, titles) is forced to text too.
    """
    if isinstance(value, Cell):  # what WriteOnlyCell(...) makes
        if value.data_type == "f" and looks_like_formula(value.value):
            value.data_type = "s"
        return value
    if looks_like_formula(value):
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``ws.append`` in which no text can become a live formula."""
    return [xlsx_value(ws, value) for value in values]
