"""`<name>.rejects.xlsx`: every rejected row with its row number, reason and original values, so a
manager can fix the rows and import just this file again."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from batch_dialer.importers.bulk_writer import Reject
from batch_dialer.importers.phone_numbers import REASONS
from batch_dialer.importers.xlsx_stream import Value, XlsxStream

__all__ = ["RejectsWorkbook", "default_rejects_path"]

_FIXED = ["行号 row", "原因 reason", "原因说明 why", "详情 detail"]


def default_rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.rejects.xlsx")


class RejectsWorkbook:
    """Streams rows into a partial file; appears under its final name only on `commit`."""

    def __init__(self, target: Path, header: Sequence[str]) -> None:
        self.target = target
        self.header = list(header)
        self._tmp = target.with_name(f".{target.name}.partial")
        self._book: XlsxStream | None = None
        self._rows = 0

    def add(self, rejects: Sequence[Reject]) -> None:
        if not rejects:
            return
        if self._book is None:
            self._book = XlsxStream(self._tmp, "rejected")
            self._book.append_rows([_FIXED + self.header])
        known = set(self.header)
        header = self.header
        rows: list[list[Value]] = []
        for reject in rejects:
            values = reject.values
            row: list[Value] = [
                reject.row_number,
                reject.reason,
                REASONS.get(reject.reason, ""),
                reject.detail,
            ]
            row += [values.get(label, "") for label in header]
            row += [f"{k}={v}" for k, v in values.items() if k not in known]
            rows.append(row)
        self._book.append_rows(rows)
        self._rows += len(rejects)

    @property
    def rows(self) -> int:
        return self._rows

    def commit(self) -> Path | None:
        """Finish and move into place; None when there was nothing to write."""
        if self._book is None:
            return None
        try:
            self._book.close()
            self._tmp.replace(self.target)
        finally:
            self._book = None
            self.discard()
        return self.target

    def discard(self) -> None:
        if self._book is not None:
            self._book.abort()
            self._book = None
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()
