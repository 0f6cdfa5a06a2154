"""How much a spreadsheet may ask of the reader (`DIALER_IMPORT_*`): the same limits for the CLI,
the web console and the scheduler. Defaults fit a million-row list on a laptop.

A plain dataclass, not pydantic-settings: the reading child imports this module, and it should
start in a fork's time, not pydantic's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

__all__ = ["ReadLimits", "ReadLimitsError"]


class ReadLimitsError(ValueError):
    """A DIALER_IMPORT_* variable that is not a usable number; the message names it."""


@dataclass(frozen=True)
class ReadLimits:
    """Limits of one read; passed to the reading child as values (its environment may be older)."""

    max_cells: int = 30_000_000  # largest grid (rows × columns from A1) a sheet may span
    sparse_min_cells: int = 2_000_000  # a grid larger than this must hold at least 1/sparse_ratio values
    sparse_ratio: int = 200  # grid cells per value above which the far cell is a stray
    memory_mb: int = 6144  # address space (RLIMIT_AS) of the workbook-reading child
    cpu_seconds: int = 600  # CPU time (RLIMIT_CPU) of the workbook-reading child
    max_colspan: int = 1000  # HTML colspan cap (browsers cap it at 1000 too)
    max_rowspan: int = 65534  # HTML rowspan cap (browsers cap it at 65534 too)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ReadLimits:
        """Defaults overridden by DIALER_IMPORT_<FIELD>; ReadLimitsError names a bad variable."""
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for item in fields(cls):
            name = f"DIALER_IMPORT_{item.name.upper()}"
            text = environ.get(name)
            if text is None or not text.strip():
                continue
            try:
                number = int(text.strip().replace("_", ""))
            except ValueError:
                number = 0
            if number < 1:
                raise ReadLimitsError(f"configuration: {name}: must be a whole number above 0, got {text!r}")
            values[item.name] = number
        return cls(**values)
