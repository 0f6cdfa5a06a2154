"""The CSV report: the per-contact detail rows, UTF-8 with a BOM so Excel shows Chinese correctly.

Text fields are always quoted and formula-like ones neutralised (reports.formula_cells)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from batch_dialer.reports.agent_details import detail_headers
from batch_dialer.reports.agent_model import Link
from batch_dialer.reports.detail_rows import DETAIL_HEADERS, detail_rows
from batch_dialer.reports.formula_cells import FORMULA_TRIGGERS, csv_field
from batch_dialer.reports.summary_model import ReportSummary

__all__ = ["write_csv"]


def _seconds(local: datetime) -> str:
    """``2024-05-06 09:10:00``, the call's local time."""
    return local.isoformat(" ", "seconds")


def _fields(
    rows: Iterator[tuple[Any, ...]], triggers: tuple[str, ...] = FORMULA_TRIGGERS
) -> Iterator[list[Any]]:
    """The rows' CSV fields: None blank, formula-like text with a leading quote (formula_cells.csv_field,
    inlined: this runs for every field of every contact), a recording link as its URL."""
    for row in rows:
        yield [
            ("'" + value if value.startswith(triggers) else value)
            if value.__class__ is str
            else ""
            if value is None
            else _not_text(value)
            for value in row
        ]


def _not_text(value: Any) -> Any:
    """A number as it is; a recording link as its URL."""
    return csv_field(value.url) if isinstance(value, Link) else value


def write_csv(conn: Connection, summary: ReportSummary, path: Path, unmasked: bool = False) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")  # the BOM; the utf-8-sig codec would run Python code for every row
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(detail_headers(DETAIL_HEADERS, summary.campaign.kind))
        campaign, var = summary.campaign, summary.satisfaction_var
        rows = detail_rows(conn, campaign, var, unmasked, summary.centre_url, moment=_seconds)
        writer.writerows(_fields(rows))
