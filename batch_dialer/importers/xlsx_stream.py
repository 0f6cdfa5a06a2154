"""A one-sheet XLSX of plain values (text and integers), streamed row by row into its zip entry.

openpyxl's write-only mode builds a cell object per value and spends ~75 µs per ten-cell row; a
large import with ten thousand rejects spent most of a second there. Rows here are the same
`inlineStr` / number cells openpyxl writes, as text, at a few µs per row, and memory stays flat.
Text is always text: a value starting with "=" stays the value the file had, not a formula.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

__all__ = ["XlsxStream"]

Value = str | int | None

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML
_MAX_CELL_CHARS = 32767  # Excel refuses longer cells
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_PATH = "xl/worksheets/sheet1.xml"


def _parts(sheet_name: str) -> dict[str, str]:
    """Everything but the sheet data: the smallest package Excel, WPS, openpyxl and calamine open."""
    return {
        "[Content_Types].xml": _HEAD
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/{_SHEET_PATH}" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        "</Types>",
        "_rels/.rels": _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name={quoteattr(sheet_name)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": _HEAD + f'<styleSheet xmlns="{_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>",
    }


class XlsxStream:
    """`append` rows, then `close` to finish the package; `abort` leaves a file to delete."""

    def __init__(self, path: Path, sheet_name: str) -> None:
        self.path = path
        self.sheet_name = sheet_name[:31]  # Excel's limit on sheet names
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        for name, text in _parts(self.sheet_name).items():  # [Content_Types].xml first, as Excel does
            self._zip.writestr(name, text)
        self._sheet: IO[bytes] | None = self._zip.open(_SHEET_PATH, "w", force_zip64=True)
        self._sheet.write((_HEAD + f'<worksheet xmlns="{_MAIN}"><sheetData>').encode())
        self._rows = 0
        self._letters: list[str] = []

    def append_rows(self, rows: Iterable[Sequence[Value]]) -> None:
        if self._sheet is None:
            raise ValueError("the workbook is closed")
        parts: list[str] = []
        for row in rows:
            self._rows += 1
            number = self._rows
            if len(row) > len(self._letters):
                self._letters = [get_column_letter(i + 1) for i in range(len(row))]
            parts.append(f'<row r="{number}">')
            for letter, value in zip(self._letters, row, strict=False):
                if value is None or value == "":
                    parts.append(f'<c r="{letter}{number}"/>')  # keeps the row as wide as openpyxl's
                    continue
                if isinstance(value, int):
                    parts.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
                    continue
                text = _ILLEGAL.sub("", value)[:_MAX_CELL_CHARS]
                space = ' xml:space="preserve"' if text != text.strip() else ""
                parts.append(
                    f'<c r="{letter}{number}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
                )
            parts.append("</row>")
        self._sheet.write("".join(parts).encode())

    def close(self) -> None:
        """Finish the sheet and the package."""
        if self._sheet is None:
            return
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._sheet = None
        self._zip.close()

    def abort(self) -> None:
        if self._sheet is not None:
            self._sheet.close()
            self._sheet = None
        self._zip.close()
