"""The summary and satisfaction sheets of the XLSX report, with native Excel charts (XlsxWriter's:
they point at the tables' cells, so Excel and WPS draw them from the data)."""

from __future__ import annotations

from typing import Any

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS
from batch_dialer.reports.labels import CAMPAIGN_STATUS_LABELS, key_label
from batch_dialer.reports.summary_model import BreakdownRow, CrossCheck, ReportSummary, SatisfactionStats
from batch_dialer.reports.xlsx_sheets import (
    PERCENT,
    Book,
    Sheet,
    TableSpan,
    TableWriter,
    chart_series,
    chart_size,
)

__all__ = [
    "KIND_LABELS",
    "print_on_a4",
    "write_crosscheck_sheet",
    "write_satisfaction_sheet",
    "write_summary_sheet",
]

KIND_LABELS = {
    "tts": "语音满意度调查 (TTS/IVR)",
    "captcha": "语音验证码",
    "soap_tts": "定时语音通知",
    "preview": "坐席预览外呼",
}
_CHART_COLUMN = "G"
#: the summary's charts start on these rows; a page break before each puts each on a page of its own
_CHART_ROWS = (2, 20, 38)
_A4 = 9  # the paperSize code of A4 in SpreadsheetML


def print_on_a4(ws: Sheet, chart_rows: tuple[int, ...] = ()) -> None:
    """A4 landscape, one page wide; a page break above every chart but the first (``chart_rows``
    are 1-based, as in the charts' anchors)."""
    ws.set_paper(_A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if chart_rows[1:]:
        ws.set_h_pagebreaks([row - 1 for row in chart_rows[1:]])  # a break above the 0-based row


def _fmt_time(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def write_summary_sheet(book: Book, summary: ReportSummary) -> Sheet:
    ws = book.sheet("概览", (22, 18, 12, 18, 12))  # 生成时间 "YYYY-MM-DD HH:MM" and the zone fit unclipped
    print_on_a4(ws, _CHART_ROWS)
    out = TableWriter(book, ws)
    info = summary.campaign
    out.title(f"外呼活动报告：{info.name}", size_large=True)
    out.append(["活动类型", KIND_LABELS.get(info.kind, info.kind), "时区", info.tz])
    out.append(
        [
            "生成时间",
            _fmt_time(summary.generated_at),
            "状态",
            CAMPAIGN_STATUS_LABELS.get(info.status, info.status),
        ]
    )
    out.blank()
    funnel = [
        (FIGURE_LABELS["contacts"], summary.contacts),
        (FIGURE_LABELS["dialled"], summary.dialled),
        (FIGURE_LABELS["answered"], summary.answered),
    ]
    if not summary.is_delivery:
        funnel.append((FIGURE_LABELS["keyed"], summary.keyed))
    base = summary.contacts
    out.table(
        "漏斗",
        ("阶段", "人数", "占联系人"),
        [(s, n, n / base if base else 0) for s, n in funnel],
        {2: PERCENT},
    )
    outcomes = out.table(
        "最终结果",
        ("结果", "人数", "占比", "代码"),
        [(o.label, o.count, o.share, o.outcome) for o in summary.outcomes],
        {2: PERCENT},
    )
    _outcome_chart(book, ws, outcomes, anchor=f"{_CHART_COLUMN}{_CHART_ROWS[0]}")
    out.table(
        "每个联系人的拨打次数",
        ("拨打次数", "联系人"),
        [(n, count) for n, count in summary.attempts_per_contact.items()],
    )
    out.append([FIGURE_LABELS["attempts"], summary.attempts])
    out.append([FIGURE_LABELS["answer_rate"], summary.answer_rate or 0.0], [None, book.number(PERCENT)])
    out.blank()
    out.table(
        "重拨收益（第几次拨打接通）",
        ("第几次", "拨打", "接通", FIGURE_LABELS["placement_answer_rate"]),
        [(r.number, r.placed, r.answered, r.answer_rate) for r in summary.by_attempt_number],
        {3: PERCENT},
    )
    hours = out.table(
        "按小时接通率（当地时间）",
        ("小时", "拨打", "接通", FIGURE_LABELS["placement_answer_rate"]),
        [(f"{b.key}时", b.placed, b.answered, b.answer_rate or 0.0) for b in summary.by_hour],
        {3: PERCENT},
    )
    _hour_chart(book, ws, hours, anchor=f"{_CHART_COLUMN}{_CHART_ROWS[1]}")
    out.table(
        "按日",
        ("日期", "拨打", "接通", FIGURE_LABELS["placement_answer_rate"]),
        [(b.key, b.placed, b.answered, b.answer_rate) for b in summary.by_day],
        {3: PERCENT},
    )
    pending = summary.pending
    out.table(
        "待办",
        ("项目", "数量 / 时间"),
        [
            ("待拨打联系人", pending.pending),
            ("其中现在到期", pending.due_now),
            ("通话进行中", pending.in_flight),
            ("最早到期", _fmt_time(pending.next_due)),
            ("最晚到期", _fmt_time(pending.last_due)),
        ],
    )
    if pending.by_hour:
        out.table(
            "稍后到期（按小时）", ("时间", "联系人"), [(_fmt_time(h), n) for h, n in pending.by_hour[:72]]
        )
    if summary.satisfaction is not None:
        dist = _satisfaction_table(out, summary.satisfaction)
        _satisfaction_chart(book, ws, dist, anchor=f"{_CHART_COLUMN}{_CHART_ROWS[2]}")
    else:
        not_delivered = summary.dialled - summary.answered
        out.table(
            "送达情况（验证码）",
            ("项目", "数量", "占已拨打"),
            [
                ("已送达（接通）", summary.answered, summary.answer_rate or 0.0),
                ("未送达", not_delivered, (not_delivered / summary.dialled) if summary.dialled else 0.0),
            ],
            {2: PERCENT},
        )
    out.table("导入", ("项目", "数量"), [("被拒绝的导入行（见“导入拒绝行”）", summary.rejected_rows)])
    if summary.crosscheck is not None:
        out.table("与呼叫中心核对", ("结果",), [(summary.crosscheck.note,)])
    return ws


def _satisfaction_table(out: TableWriter, sat: SatisfactionStats) -> TableSpan:
    valid = sat.valid_responses
    dist = out.table(
        "满意度分布",
        ("按键", "满意度", "人数", "占有效回应"),
        [
            (key, key_label(key, sat.labels), n, (n / valid if valid and key in sat.labels else None))
            for key, n in sat.distribution.items()
        ],
        {3: PERCENT},
    )
    lo, hi = sat.ci95 if sat.ci95 else (None, None)
    out.table(
        "满意度指标",
        ("指标", "值"),
        [
            ("接通人数", sat.answered),
            ("按键人数", sat.responses),
            ("回应率（按键/接通）", sat.response_rate),
            ("有效回应（已定义按键）", valid),
            ("CSAT（前两项占比）", sat.csat),
            ("平均分（1=最好）", sat.mean),
            ("平均分 95% 置信区间下限（t 分布）", lo),
            ("平均分 95% 置信区间上限（t 分布）", hi),
        ],
    )
    return dist


def _outcome_chart(book: Book, ws: Sheet, span: TableSpan, anchor: str) -> None:
    if span.empty:
        return
    chart = book.wb.add_chart({"type": "pie"})
    chart.set_title({"name": "最终结果"})
    # readable labels: the outcome's name and its share, outside the slice on a leader line, no
    # series name or raw count crowding the small slices
    labels = {
        "category": True,
        "percentage": True,
        "value": False,
        "series_name": False,
        "legend_key": False,
        "leader_lines": True,
        "separator": " ",  # XlsxWriter offers , ; . space and newline (no full-width colon)
        "position": "best_fit",
    }
    chart.add_series({**chart_series(ws, span, 0, 1), "data_labels": labels})
    chart_size(chart, 14, 8)
    ws.insert_chart(anchor, chart)


def _hour_chart(book: Book, ws: Sheet, span: TableSpan, anchor: str) -> None:
    chart = book.wb.add_chart({"type": "column"})
    chart.set_title({"name": f"按小时 · {FIGURE_LABELS['placement_answer_rate']}"})
    chart.set_y_axis({"name": FIGURE_LABELS["placement_answer_rate"], "num_format": "0%"})
    chart.add_series(chart_series(ws, span, 0, 3))
    chart_size(chart, 18, 8)
    ws.insert_chart(anchor, chart)


def _satisfaction_chart(book: Book, ws: Sheet, span: TableSpan, anchor: str) -> None:
    chart = book.wb.add_chart({"type": "bar"})
    chart.set_title({"name": "满意度分布"})
    chart.add_series(chart_series(ws, span, 1, 2))
    # a bar chart draws the first row at the bottom: best on top. A bar chart's y axis is its
    # category axis in XlsxWriter (as in Excel's dialogs).
    chart.set_y_axis({"reverse": True})
    chart_size(chart, 14, 8)
    ws.insert_chart(anchor, chart)


def write_satisfaction_sheet(book: Book, summary: ReportSummary) -> Sheet:
    """Satisfaction by product, import batch and day: one row per group, one column per key."""
    labels = summary.campaign.key_labels
    ws = book.sheet("满意度分析", (24, 10, 10, 10, 10, 10, 10, 10, 10, *([10] * len(labels))))
    print_on_a4(ws)
    out = TableWriter(book, ws)
    headers: tuple[str, ...] = (
        "分组",
        "联系人",
        "接通",
        "按键",
        "回应率",
        "CSAT",
        "平均分",
        "95%下限",
        "95%上限",
    )
    headers += tuple(f"{k} {v}" for k, v in labels.items())
    formats = {4: PERCENT, 5: PERCENT, 6: "0.00", 7: "0.00", 8: "0.00"}
    for title, rows in (
        ("按产品", summary.by_product),
        ("按导入批次", summary.by_batch),
        ("按日（拨打日期，当地时间）", summary.by_day_satisfaction),
    ):
        out.table(title, headers, [_breakdown_values(row, labels) for row in rows], formats)
    return ws


def _breakdown_values(row: BreakdownRow, labels: dict[str, str]) -> tuple[Any, ...]:
    s = row.stats
    lo, hi = s.ci95 if s.ci95 else (None, None)
    counts = tuple(s.distribution.get(key, 0) for key in labels)
    return (
        row.group,
        row.contacts,
        s.answered,
        s.responses,
        s.response_rate,
        s.csat,
        s.mean,
        lo,
        hi,
        *counts,
    )


def write_crosscheck_sheet(book: Book, check: CrossCheck) -> Sheet:
    ws = book.sheet("呼叫中心核对", (26, 16, 22, 16, 20))
    out = TableWriter(book, ws)
    out.title("与呼叫中心通话记录核对（CALL_LOG_QUERY）", size_large=True)
    out.append([check.note])
    out.blank()
    if not check.checked:
        return ws
    out.table(
        "汇总",
        ("项目", "数量"),
        [
            ("呼叫中心记录（本活动）", check.centre_rows),
            ("我方已结束的呼叫", check.ours_placed),
            ("呼叫中心缺少的记录", check.missing_in_centre),
            ("平均通话时长（秒，已接通）", check.mean_duration_s),
            *[(f"不一致：{kind}", n) for kind, n in sorted(check.disagreements_by_kind.items())],
        ],
    )
    out.table(
        "不一致示例",
        ("token", "电话", "类型", "我方", "呼叫中心"),
        [(d.token, d.phone, d.kind, d.ours, d.centre) for d in check.examples],
    )
    return ws
