"""What an import did with every row: the counts, a sample of rejected rows, the `--json` object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ImportResult", "RejectedSample"]


@dataclass(frozen=True)
class RejectedSample:
    row_number: int
    reason: str
    detail: str | None
    values: dict[str, str]


@dataclass
class ImportResult:
    """What happened to every row; `summary()` is the `--json` object."""

    file: str
    batch_id: int | None
    dry_run: bool
    file_format: str
    sheet: str | None
    header_row: int
    mapping: dict[str, str]
    rows: int = 0
    blank_rows: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    opportunities: int = 0
    rejects_file: str | None = None
    pushed: dict[str, Any] | None = None
    rejected_samples: list[RejectedSample] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.rows == self.imported + self.updated + self.duplicates + self.rejected

    def summary(self) -> dict[str, Any]:
        keys = ("file", "batch_id", "rows", "blank_rows", "imported", "updated", "duplicates", "rejected",
                "rejected_by_reason", "opportunities", "rejects_file", "pushed")  # fmt: skip
        shown = asdict(self)
        return {key: shown[key] for key in keys}
