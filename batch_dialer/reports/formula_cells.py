"""Contact data that looks like a spreadsheet formula stays data in every export (CSV injection).

A name such as ``=HYPERLINK("http://evil","点我")``, ``+cmd|' /C calc'!A0``, ``@SUM(A1)``, ``-2+3`` or
one that starts with a tab or carriage return would be run by Excel or WPS when the report is opened.
One rule decides which values are formula-like, for every writer:

- XLSX report (XlsxWriter): text goes in with ``write_string`` (``write_xlsx_value`` below), or as
  an inline-string cell in the detail rows (reports/xlsx_rows.py), never through ``write()``, which
  would turn a string starting with "=" into a live formula; the streamed rejects workbook writes
  inline strings too. Either way the value stays as it was, as text.
- CSV: the OWASP way — a single quote is put in front and the field is quoted, embedded quotes
  doubled (the csv module's quoting), so no spreadsheet evaluates it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

__all__ = ["FORMULA_TRIGGERS", "csv_field", "looks_like_formula", "write_xlsx_value"]

#: First characters that make Excel, WPS or LibreOffice read a cell as a formula (OWASP list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """True for text a spreadsheet would evaluate when it is typed into a cell or read from a CSV."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_field(value: object) -> object:
    """The CSV form of a value: formula-like text gets a leading single quote (OWASP)."""
    return "'" + value if isinstance(value, str) and looks_like_formula(value) else value


def write_xlsx_value(ws: Any, row: int, col: int, value: Any, cell_format: Any = None) -> None:
    """One cell of an XlsxWriter sheet by the value's type: text always as text, never a formula;
    None and "" leave the cell empty."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, cell_format)
    elif isinstance(value, datetime | date):
        ws.write_datetime(row, col, value, cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)
