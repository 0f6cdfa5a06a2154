"""How big a sheet really is, read before any spreadsheet library loads it.

Calamine (and pandas after it) builds a dense grid from A1 to the farthest cell that holds a value.
A workbook of under 2 KB with one value at XFD1048576 asks for 17 billion cells and aborts the
process; one at CV1000000 costs gigabytes and minutes. So the sheet XML of an xlsx/xlsm is streamed
(bounded: a block at a time, nothing kept), its declared ``<dimension>`` read, and the cells that
carry a value counted with their farthest row and column. The OpenDocument equivalent is the
``number-rows-repeated`` / ``number-columns-repeated`` attributes, counted the same way. Legacy
binary .xls cannot exceed 65,536 × 256 cells and HTML tables are counted while they are parsed
(`html_tables`); both and xlsb are in any case read only in the memory-limited child
(`isolated_reading`).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from batch_dialer.importers.errors import ImportRefused
from batch_dialer.importers.read_limits import ReadLimits

__all__ = ["SheetExtent", "check_extent", "column_letters", "workbook_extents"]

_BLOCK = 1 << 20
_MAX_XML_PART = 16 << 20  # workbook.xml / rels: a real one is a few KB
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_REF = re.compile(rb'\br="([A-Za-z]{1,3})(\d{1,7})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]*)"')
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


@dataclass(frozen=True)
class SheetExtent:
    """One sheet: the range it declares and the grid a reader would build for its values."""

    name: str
    declared: str | None  # e.g. "A1:XFD1048576" (what <dimension ref> says)
    declared_cells: int
    rows: int  # farthest row holding a value (1-based; the grid starts at A1)
    columns: int  # farthest column holding a value
    present: int  # cells that hold a value

    @property
    def grid_cells(self) -> int:
        return self.rows * self.columns


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: bytes | str) -> int:
    number = 0
    for char in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(char) - 64
    return number


def _declared_cells(ref: str | None) -> int:
    """Cells in an A1:B2 range; 0 when absent or unreadable (the present cells decide then)."""
    if not ref:
        return 0
    corners = []
    for part in ref.split(":")[:2]:
        match = _A1.match(part.strip())
        if not match:
            return 0
        corners.append((int(match.group(2)), _column_number(match.group(1))))
    if len(corners) == 1:
        corners.append(corners[0])
    (row1, col1), (row2, col2) = corners
    return (abs(row2 - row1) + 1) * (abs(col2 - col1) + 1)


def check_extent(path: Path, extent: SheetExtent, limits: ReadLimits) -> None:
    """Refuse a sheet whose grid (declared or real) is absurd, with one line saying why."""
    where = f"sheet {extent.name!r}"
    if extent.declared_cells > limits.max_cells:
        raise ImportRefused(
            path,
            f"{where} declares the range {extent.declared} ({extent.declared_cells:,} cells), more than "
            f"the {limits.max_cells:,} cells a list may span; save the list again from Excel or WPS",
        )
    far = f"{column_letters(extent.columns)}{extent.rows}"
    if extent.grid_cells > limits.max_cells:
        raise ImportRefused(
            path,
            f"{where} has a value as far as {far}: A1:{far} is {extent.grid_cells:,} cells, more than "
            f"the {limits.max_cells:,} a list may span; delete the far cells or save the list again",
        )
    if extent.grid_cells > limits.sparse_min_cells and extent.grid_cells > limits.sparse_ratio * max(
        extent.present, 1
    ):
        raise ImportRefused(
            path,
            f"{where} spans A1:{far} ({extent.grid_cells:,} cells) but only {extent.present:,} hold a "
            "value: a stray far cell; delete it or save the list again",
        )


def workbook_extents(path: Path, kind: str) -> list[SheetExtent]:
    """The extents of every sheet of an xlsx/xlsm or ods file (other kinds: an empty list)."""
    if kind not in ("xlsx", "ods"):
        return []
    try:
        with zipfile.ZipFile(path) as archive:
            if kind == "xlsx":
                return [_xlsx_extent(archive, name, part) for name, part in _xlsx_sheets(path, archive)]
            return list(_ods_extents(path, archive))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        zlib.error,
        OSError,
        NotImplementedError,
    ) as exc:
        raise ImportRefused(path, f"corrupt or truncated workbook ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _small_part(path: Path, archive: zipfile.ZipFile, name: str) -> str:
    try:
        with archive.open(name) as member:
            data = member.read(_MAX_XML_PART + 1)
    except KeyError:
        raise ImportRefused(path, f"corrupt workbook: {name} is missing") from None
    if len(data) > _MAX_XML_PART:
        raise ImportRefused(path, f"corrupt workbook: {name} is larger than {_MAX_XML_PART >> 20} MB")
    return data.decode("utf-8", "replace")


def _xlsx_sheets(path: Path, archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip entry of its XML) in workbook order."""
    book = _small_part(path, archive, "xl/workbook.xml")
    names = set(archive.namelist())
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        rels = _small_part(path, archive, "xl/_rels/workbook.xml.rels")
        for match in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)>", rels):
            attrs = dict(_ATTR.findall(match.group(1)))
            target = attrs.get("Target", "")
            entry = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            targets[attrs.get("Id", "")] = _normalised(entry)
    sheets = []
    for index, match in enumerate(_SHEET.finditer(book), start=1):
        attrs = dict(_ATTR.findall(match.group(1)))
        rel = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        entry = targets.get(rel) or f"xl/worksheets/sheet{index}.xml"
        if entry in names:
            sheets.append((_unescape(attrs.get("name", f"sheet{index}")), entry))
    return sheets


def _normalised(entry: str) -> str:
    parts: list[str] = []
    for part in entry.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _unescape(text: str) -> str:
    from xml.sax.saxutils import unescape

    return unescape(text, {"&quot;": '"', "&apos;": "'"})


def _blocks(archive: zipfile.ZipFile, entry: str) -> Iterator[bytes]:
    """The entry in blocks that end at a tag boundary (the rest is carried into the next block)."""
    carry = b""
    with archive.open(entry) as member:
        while block := member.read(_BLOCK):
            data = carry + block
            cut = data.rfind(b"<")
            if cut <= 0:
                carry = data if len(data) < _BLOCK * 4 else b""
                continue
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def _xlsx_extent(archive: zipfile.ZipFile, name: str, entry: str) -> SheetExtent:
    declared: str | None = None
    rows = columns = present = 0
    widest = b""
    first = True
    for block in _blocks(archive, entry):
        if first:
            match = _DIMENSION.search(block)
            declared = match.group(1).decode("utf-8", "replace") if match else None
            first = False
        for attrs in _CELL.findall(block):
            if attrs.endswith(b"/"):
                continue  # <c r="…" s="1"/>: a formatted but empty cell, which readers skip
            present += 1
            ref = _REF.search(attrs)
            if ref is None:
                continue  # position implied by order: counted, and bounded by the present count
            letters, row = ref.group(1).upper(), int(ref.group(2))
            if row > rows:
                rows = row
            if len(letters) > len(widest) or (len(letters) == len(widest) and letters > widest):
                widest = letters
    columns = _column_number(widest) if widest else 0
    if present and not columns:
        rows, columns = present, 1  # no positions at all: one cell per row at worst
    return SheetExtent(name, declared, _declared_cells(declared), rows, columns, present)


_ODS_TOKEN = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>|<text:p\b"
)
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_REPEAT_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_REPEAT_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')
_VALUE = re.compile(rb"office:value-type=")


def _ods_extents(path: Path, archive: zipfile.ZipFile) -> Iterator[SheetExtent]:
    """content.xml token by token: repeated rows and cells count as many cells as they stand for."""
    if "content.xml" not in archive.namelist():
        raise ImportRefused(path, "corrupt OpenDocument file: content.xml is missing")
    name: str | None = None
    rows = columns = present = 0
    row_number = 0
    row_repeat = 1
    row_columns = row_present = 0
    column = 0
    cell_repeat = 0
    cell_valued = False
    for block in _blocks(archive, "content.xml"):
        for match in _ODS_TOKEN.finditer(block):
            closing, tag, attrs, empty = match.groups()
            if tag is None:  # <text:p> inside a cell: it holds text
                cell_valued = cell_repeat > 0 or cell_valued
                continue
            if tag == b"table":
                if closing:
                    if name is not None:
                        yield SheetExtent(name, None, 0, rows, columns, present)
                    name = None
                else:
                    raw = _ODS_NAME.search(attrs)
                    name = _unescape(raw.group(1).decode("utf-8", "replace")) if raw else "?"
                    rows = columns = present = row_number = 0
                continue
            if tag == b"table-row":
                if closing or empty:
                    repeat = row_repeat if closing else _repeat(_REPEAT_ROWS, attrs)
                    if row_present:
                        rows = row_number + repeat
                        columns = max(columns, row_columns)
                        present += row_present * repeat
                    row_number += repeat
                    row_columns = row_present = 0
                else:
                    row_repeat = _repeat(_REPEAT_ROWS, attrs)
                    column = row_columns = row_present = 0
                continue
            # a cell: opening tag (maybe self-closing) or its end
            if not closing:
                cell_repeat = _repeat(_REPEAT_COLS, attrs)
                cell_valued = bool(_VALUE.search(attrs))
                if not empty:
                    continue
            if cell_valued and cell_repeat:
                row_columns = column + cell_repeat
                row_present += cell_repeat
            column += cell_repeat
            cell_repeat = 0
            cell_valued = False


def _repeat(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    match = pattern.search(attrs)
    return int(match.group(1)) if match else 1
