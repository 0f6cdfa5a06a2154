"""The extent of each sheet of a legacy binary .xls (BIFF8), read from its records before loading.

BIFF caps a sheet at 65,536 × 256 cells, but calamine still builds the whole grid up to the farthest
value and pandas turns it into Python objects cell by cell: one value at IV65536 costs 16.7 million
cells. The Workbook stream is walked record by record (only headers and the row/column of value
records are looked at) to count the values and find the farthest one.
"""

from __future__ import annotations

import struct
from pathlib import Path

import olefile

from batch_dialer.importers.errors import ImportRefused
from batch_dialer.importers.sheet_extent import SheetExtent

__all__ = ["xls_extents"]

_BOF, _EOF, _BOUNDSHEET, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x0200
_VALUE_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6}  # NUMBER RK LABELSST LABEL …
_MULRK = 0x00BD
_WORKSHEET = 0x0010


def xls_extents(path: Path) -> list[SheetExtent]:
    """Every worksheet's extent, in workbook order; ImportRefused when the file is not readable BIFF."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                raise ImportRefused(path, "not an Excel workbook (an OLE2 file without a Workbook stream)")
            data = ole.openstream(name).read()
    except ImportRefused:
        raise
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError… on damaged files
        raise ImportRefused(path, f"corrupt or truncated workbook ({exc.__class__.__name__})") from None
    return _walk(data)


def _walk(data: bytes) -> list[SheetExtent]:
    names: list[str] = []
    extents: list[SheetExtent] = []
    position, size = 0, len(data)
    sheet_index = -1  # -1: the workbook globals
    in_sheet = False
    declared = ""
    declared_cells = rows = columns = present = 0
    while position + 4 <= size:
        kind, length = struct.unpack_from("<HH", data, position)
        body = position + 4
        position = body + length
        if kind == _BOF and length >= 4:
            (substream,) = struct.unpack_from("<H", data, body + 2)
            sheet_index += 1
            in_sheet = substream == _WORKSHEET
            declared, declared_cells, rows, columns, present = "", 0, 0, 0, 0
        elif kind == _BOUNDSHEET and length >= 8:
            names.append(_sheet_name(data[body + 6 : body + length]))
        elif not in_sheet:
            continue
        elif kind in _VALUE_RECORDS and length >= 4:
            row, column = struct.unpack_from("<HH", data, body)
            present += 1
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        elif kind == _MULRK and length >= 6:
            row, first = struct.unpack_from("<HH", data, body)
            (last,) = struct.unpack_from("<H", data, body + length - 2)
            present += max(last - first + 1, 0)
            rows, columns = max(rows, row + 1), max(columns, last + 1)
        elif kind == _DIMENSIONS and length >= 10:
            first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", data, body)
            declared_cells = max(last_row - first_row, 0) * max(last_col - first_col, 0)
            declared = f"rows {first_row + 1}-{last_row}, columns {first_col + 1}-{last_col}"
        elif kind == _EOF:
            index = len(extents)
            name = names[index] if index < len(names) else f"sheet{index + 1}"
            extents.append(SheetExtent(name, declared or None, declared_cells, rows, columns, present))
            in_sheet = False
    return extents


def _sheet_name(record: bytes) -> str:
    """A BIFF8 short unicode string: length, flags (bit 0: UTF-16), characters."""
    if len(record) < 2:
        return "?"
    count, flags = record[0], record[1]
    raw = record[2:]
    if flags & 1:
        return raw[: count * 2].decode("utf-16-le", "replace")
    return raw[:count].decode("latin-1", "replace")
