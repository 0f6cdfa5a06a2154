"""The XLSX report: summary with charts, satisfaction breakdowns, cross-check, per-contact detail and
rejected import rows. Write-only workbook: rows go to disk as they come, so memory stays flat."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection

from batch_dialer.reports.detail_rows import (
    DETAIL_HEADERS,
    REJECTED_HEADERS,
    detail_rows,
    rejected_columns,
    rejected_rows,
)
from batch_dialer.reports.formula_cells import xlsx_row
from batch_dialer.reports.summary_model import ReportSummary
from batch_dialer.reports.task_queries import campaign_batch_ids
from batch_dialer.reports.xlsx_agents import detail_cells, detail_layout, write_agent_sheet
from batch_dialer.reports.xlsx_sheets import Sheet, set_widths
from batch_dialer.reports.xlsx_summary import (
    write_crosscheck_sheet,
    write_satisfaction_sheet,
    write_summary_sheet,
)

__all__ = ["DETAIL_WIDTHS", "write_xlsx"]

DETAIL_WIDTHS = (12, 15, 20, 9, 16, 6, 12, 19, 19)
_REJECTED_WIDTHS = (9, 24, 7, 20, 30)


def write_xlsx(conn: Connection, summary: ReportSummary, path: Path, unmasked: bool = False) -> None:
    wb = Workbook(write_only=True)
    write_summary_sheet(wb, summary)
    if summary.satisfaction is not None:
        write_satisfaction_sheet(wb, summary)
    if summary.crosscheck is not None:
        write_crosscheck_sheet(wb, summary.crosscheck)
    write_agent_sheet(wb, summary)
    _detail_sheet(wb, conn, summary, unmasked)
    _rejected_sheet(wb, conn, summary, unmasked)
    wb.save(path)


def _header(wb: Workbook, title: str, headers: tuple[str, ...], widths: tuple[float, ...]) -> Sheet:
    ws = wb.create_sheet(title)
    set_widths(ws, widths)
    ws.freeze_panes = "A2"
    cells = []
    for name in headers:
        cell = WriteOnlyCell(ws, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cells.append(cell)
    ws.append(xlsx_row(ws, cells))
    return ws


def _detail_sheet(wb: Workbook, conn: Connection, summary: ReportSummary, unmasked: bool) -> None:
    headers, widths = detail_layout(summary, DETAIL_HEADERS, DETAIL_WIDTHS)
    ws = _header(wb, "联系人明细", headers, widths)
    rows = 1
    # Plain values: openpyxl gives datetimes a date format by itself, and a styled cell per value
    # would double the time of the biggest sheet. Only formula-like text becomes a (text) cell object.
    for detail in detail_rows(conn, summary.campaign, summary.satisfaction_var, unmasked, summary.centre_url):
        ws.append(detail_cells(ws, detail))
        rows += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{rows}"


def _rejected_sheet(wb: Workbook, conn: Connection, summary: ReportSummary, unmasked: bool) -> None:
    """The rejected import rows as they were in the file: one column per original column."""
    batch_ids = campaign_batch_ids(conn, summary.campaign.id)
    original = rejected_columns(conn, batch_ids)
    headers = (*REJECTED_HEADERS, *original)
    widths = (*_REJECTED_WIDTHS, *(max(10.0, min(30.0, 2.2 * len(label) + 2)) for label in original))
    ws = _header(wb, "导入拒绝行", headers, widths)
    rows = 1
    for *fixed, cells in rejected_rows(conn, batch_ids, unmasked):
        ws.append(xlsx_row(ws, [*fixed, *(cells.get(label, "") for label in original)]))
        rows += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{rows}"
