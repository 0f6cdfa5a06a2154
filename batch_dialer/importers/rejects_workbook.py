"""`<name>.rejects.xlsx`: every rejected row with its row number, reason and original values, so a
manager can fix the rows and import just this file again."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from batch_dialer.importers.bulk_writer import Reject
from batch_dialer.importers.phone_numbers import REASONS

__all__ = ["RejectsWorkbook", "default_rejects_path"]

_FIXED = ["行号 row", "原因 reason", "原因说明 why", "详情 detail"]


def default_rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.rejects.xlsx")


def _clean(value: object) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


class RejectsWorkbook:
    """Streams rows into a write-only workbook; appears under its final name only on `commit`."""

    def __init__(self, target: Path, header: Sequence[str]) -> None:
        self.target = target
        self.header = list(header)
        self._tmp = target.with_name(f".{target.name}.partial")
        self._book: Workbook | None = None
        self._rows = 0

    def add(self, rejects: Sequence[Reject]) -> None:
        if not rejects:
            return
        if self._book is None:
            self._book = Workbook(write_only=True)
            sheet = self._book.create_sheet("rejected")
            sheet.append(_FIXED + self.header)
        sheet = self._book.worksheets[0]
        known = set(self.header)
        for reject in rejects:
            values = [_clean(reject.values.get(label, "")) for label in self.header]
            values += [_clean(f"{k}={v}") for k, v in reject.values.items() if k not in known]
            sheet.append(
                [
                    reject.row_number,
                    reject.reason,
                    REASONS.get(reject.reason, ""),
                    _clean(reject.detail),
                    *values,
                ]
            )
        self._rows += len(rejects)

    @property
    def rows(self) -> int:
        return self._rows

    def commit(self) -> Path | None:
        """Save and move into place; None when there was nothing to write."""
        if self._book is None:
            return None
        try:
            self._book.save(self._tmp)
            self._tmp.replace(self.target)
        finally:
            self._book = None
            self.discard()
        return self.target

    def discard(self) -> None:
        self._book = None
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()
