"""The by-agent sheet of the XLSX report (per agent, talk-time distribution with a native chart) and
the per-contact detail layout of kinds with agents (their recording becomes a hyperlink cell, never
a HYPERLINK formula: reports/xlsx_rows.py)."""

from __future__ import annotations

from batch_dialer.reports.agent_details import AGENT_WIDTHS, detail_headers
from batch_dialer.reports.summary_model import ReportSummary
from batch_dialer.reports.xlsx_sheets import PERCENT, Book, Sheet, TableWriter, chart_series, chart_size

__all__ = [
    "AGENT_SHEET",
    "DISPOSITIONS_HEADER",
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


def write_agent_sheet(book: Book, summary: ReportSummary) -> Sheet | None:
    """Nothing for a kind without agents."""
    report = summary.agents
    if report is None:
        return None
    with_dispositions = any(line.dispositions is not None for line in report.agents)
    ws = book.sheet(AGENT_SHEET, (14, 8, 8, 9, 16, 14, 11, 9) + ((40,) if with_dispositions else ()))
    out = TableWriter(book, ws)
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
        chart = book.wb.add_chart({"type": "column"})
        chart.set_title({"name": "通话时长分布"})
        chart.set_y_axis({"name": "通话数"})
        chart.add_series(chart_series(ws, span, 0, 1))
        chart_size(chart, 16, 8)
        ws.insert_chart(f"J{span.header_row + 1}", chart)
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
