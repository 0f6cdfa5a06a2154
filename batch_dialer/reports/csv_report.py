"""The CSV report: the per-contact detail rows, UTF-8 with a BOM so Excel shows Chinese correctly.

Text fields are always quoted and formula-like ones neutralised (reports.formula_cells)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from batch_dialer.reports.agent_details import detail_headers
from batch_dialer.reports.detail_rows import DETAIL_HEADERS, detail_rows
from batch_dialer.reports.formula_cells import csv_field
from batch_dialer.reports.summary_model import ReportSummary

__all__ = ["write_csv"]


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else csv_field(value)


def write_csv(conn: Connection, summary: ReportSummary, path: Path, unmasked: bool = False) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(detail_headers(DETAIL_HEADERS, summary.campaign.kind))
        campaign, var = summary.campaign, summary.satisfaction_var
        for row in detail_rows(conn, campaign, var, unmasked, summary.centre_url):
            writer.writerow([_cell(value) for value in row.values()])
