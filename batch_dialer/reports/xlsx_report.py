"""The XLSX report: summary with charts, satisfaction breakdowns, cross-check, per-contact detail and
rejected import rows, written with XlsxWriter in constant-memory mode: rows go to disk as they come,
so memory stays flat, and the detail rows take the fast path of reports/xlsx_rows.py."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from batch_dialer.reports.detail_rows import (
    DETAIL_HEADERS,
    REJECTED_HEADERS,
    detail_rows,
    rejected_columns,
    rejected_rows,
)
from batch_dialer.reports.summary_model import ReportSummary
from batch_dialer.reports.task_queries import campaign_batch_ids
from batch_dialer.reports.xlsx_agents import detail_layout, write_agent_sheet
from batch_dialer.reports.xlsx_rows import StreamedSheet
from batch_dialer.reports.xlsx_sheets import Book, Sheet
from batch_dialer.reports.xlsx_summary import (
    write_crosscheck_sheet,
    write_satisfaction_sheet,
    write_summary_sheet,
)

__all__ = ["DETAIL_WIDTHS", "excel_serial", "write_xlsx"]

DETAIL_WIDTHS = (12, 15, 20, 9, 16, 6, 12, 19, 19)
_DATE_COLUMNS = (7, 8)  # first and last call
_REJECTED_WIDTHS = (9, 24, 7, 20, 30)
_EXCEL_EPOCH = datetime(1899, 12, 31)


def excel_serial(local: datetime) -> float:
    """Excel's serial number of a naive local time, computed as XlsxWriter's write_datetime does
    (Excel's day 60 is the 1900-02-29 that never was; every call we report is later)."""
    delta: timedelta = local - _EXCEL_EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400 + 1


def write_xlsx(conn: Connection, summary: ReportSummary, path: Path, unmasked: bool = False) -> None:
    book = Book(path)
    try:
        write_summary_sheet(book, summary)
        if summary.satisfaction is not None:
            write_satisfaction_sheet(book, summary)
        if summary.crosscheck is not None:
            write_crosscheck_sheet(book, summary.crosscheck)
        write_agent_sheet(book, summary)
        _detail_sheet(book, conn, summary, unmasked)
        _rejected_sheet(book, conn, summary, unmasked)
    except BaseException:
        with contextlib.suppress(Exception):  # XlsxWriter's temporary row files go with it
            book.close()
        raise
    book.close()


def _header(
    book: Book, title: str, headers: tuple[str, ...], widths: tuple[float, ...], streamed: bool = False
) -> Sheet:
    ws = book.sheet(title, widths, StreamedSheet if streamed else None)
    ws.freeze_panes(1, 0)
    for col, name in enumerate(headers):
        ws.write_string(0, col, name, book.sheet_header)
    return ws


def _detail_sheet(book: Book, conn: Connection, summary: ReportSummary, unmasked: bool) -> None:
    headers, widths = detail_layout(summary, DETAIL_HEADERS, DETAIL_WIDTHS)
    ws = _header(book, "联系人明细", headers, widths, streamed=True)
    formats = [book.datetime if col in _DATE_COLUMNS else None for col in range(len(headers))]
    rows = detail_rows(
        conn, summary.campaign, summary.satisfaction_var, unmasked, summary.centre_url, moment=excel_serial
    )
    end = ws.append_rows(1, rows, formats, book.link)
    ws.autofilter(0, 0, end - 1, len(headers) - 1)


def _rejected_sheet(book: Book, conn: Connection, summary: ReportSummary, unmasked: bool) -> None:
    """The rejected import rows as they were in the file: one column per original column."""
    batch_ids = campaign_batch_ids(conn, summary.campaign.id)
    original = rejected_columns(conn, batch_ids)
    headers = (*REJECTED_HEADERS, *original)
    widths = (*_REJECTED_WIDTHS, *(max(10.0, min(30.0, 2.2 * len(label) + 2)) for label in original))
    ws = _header(book, "导入拒绝行", headers, widths, streamed=True)
    rejected = rejected_rows(conn, batch_ids, unmasked)
    rows = ([*fixed, *(cells.get(label, "") for label in original)] for *fixed, cells in rejected)
    end = ws.append_rows(1, rows)
    ws.autofilter(0, 0, end - 1, len(headers) - 1)
