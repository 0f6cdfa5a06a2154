"""The by-agent sheet of the XLSX report (per agent, talk-time distribution with a native chart) and
the per-contact detail cells of kinds with agents (the recording as a hyperlink cell, never a
HYPERLINK formula; its text goes through reports.formula_cells like every other value)."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from batch_dialer.reports.agent_details import AGENT_WIDTHS, detail_headers
from batch_dialer.reports.detail_rows import DetailRow
from batch_dialer.reports.formula_cells import xlsx_row
from batch_dialer.reports.summary_model import ReportSummary
from batch_dialer.reports.xlsx_sheets import PERCENT, Sheet, TableWriter, set_widths

__all__ = [
    "AGENT_SHEET",
    "DISPOSITIONS_HEADER",
    "detail_cells",
    "detail_layout",
    "dispositions_text",
    "write_agent_sheet",
]

AGENT_SHEET = "坐席"
AGENT_TABLE_HEADERS = (
    "坐席",
    "呼叫",
    "接通",
    "接通率",
    "通话总时长（秒）",
    "平均通话（秒）",
    "满意度回答",
    "满意率",
)
DISPOSITIONS_HEADER = "处理结果"  # the desk kind's extra column
_WEB_LINKS = ("http://", "https://")  # a link from a centre never opens a local file or a script
_LINK_FONT = Font(color="0563C1", underline="single")


def write_agent_sheet(wb: Workbook, summary: ReportSummary) -> Sheet | None:
    """Nothing for a kind without agents."""
    report = summary.agents
    if report is None:
        return None
    with_dispositions = any(line.dispositions is not None for line in report.agents)
    ws = wb.create_sheet(AGENT_SHEET)
    set_widths(ws, (14, 8, 8, 9, 16, 14, 11, 9) + ((40,) if with_dispositions else ()))
    out = TableWriter(ws)
    out.table(
        "按坐席",
        AGENT_TABLE_HEADERS + ((DISPOSITIONS_HEADER,) if with_dispositions else ()),
        [
            (
                line.extension,
                line.calls,
                line.answered,
                line.answer_rate,
                line.talk_seconds,
                None if line.mean_talk_seconds is None else round(line.mean_talk_seconds, 1),
                line.responses,
                line.csat,
            )
            + ((dispositions_text(line.dispositions),) if with_dispositions else ())
            for line in report.agents
        ],
        {3: PERCENT, 7: PERCENT},
    )
    span = out.table("通话时长分布（已接通）", ("通话时长", "通话数"), list(report.talk_time.items()))
    if not span.empty:
        chart = BarChart()
        chart.type = "col"
        chart.title = "通话时长分布"
        chart.y_axis.title = "通话数"
        chart.add_data(
            Reference(ws, min_col=2, min_row=span.header_row, max_row=span.last_row), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=span.first_row, max_row=span.last_row))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, f"J{span.header_row}")
    return ws


def dispositions_text(dispositions: dict[str, int] | None) -> str:
    """``csat 2，empty 1``: the agent's dispositions by code, as the desk recorded them."""
    return "，".join(f"{code} {n}" for code, n in (dispositions or {}).items())


def detail_layout(
    summary: ReportSummary, headers: tuple[str, ...], widths: tuple[float, ...]
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The detail sheet's headers and widths for the campaign's kind."""
    full = detail_headers(headers, summary.campaign.kind)
    return full, widths + AGENT_WIDTHS if len(full) > len(headers) else widths


def detail_cells(ws: Sheet, detail: DetailRow) -> list[Any]:
    """A detail row for ``ws.append``: text never a formula, the recording a hyperlink when it has one."""
    cells = xlsx_row(ws, detail.values())
    agent = detail.agent
    if agent is not None and agent.recording_url and agent.recording_url.startswith(_WEB_LINKS):
        cell = WriteOnlyCell(ws, agent.recording or agent.recording_url)
        cell.data_type = "s"  # the centre's file name is shown as text, whatever it starts with
        cell.hyperlink = agent.recording_url
        cell.font = _LINK_FONT
        cells[-1] = cell
    return cells
