"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external assets)
that reads on a phone and prints. Jinja2 with autoescape: names and notes come from user data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS
from batch_dialer.reports.html_agents import agent_context
from batch_dialer.reports.labels import key_label
from batch_dialer.reports.summary_model import ReportSummary
from batch_dialer.reports.svg_charts import bar_rows, columns
from batch_dialer.reports.xlsx_summary import KIND_LABELS

__all__ = ["render_html", "write_html"]

_TEMPLATES = Path(__file__).with_name("templates")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _ci(value: tuple[float, float] | None) -> str:
    return "–" if value is None else f"{value[0]:.2f} – {value[1]:.2f}"


def _when(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, num=_num, ci=_ci, when=_when)
    return env


def render_html(summary: ReportSummary) -> str:
    env = _environment()
    sat = summary.satisfaction
    labels = summary.campaign.key_labels
    env.filters["keylabel"] = lambda key: key_label(str(key), labels)
    outcome_items = [(o.label, float(o.count)) for o in summary.outcomes if o.count]
    contacts = summary.contacts
    context = {
        "s": summary,
        "sat": sat,
        "kind_label": KIND_LABELS.get(summary.campaign.kind, summary.campaign.kind),
        "top_two": "、".join(f"{k} {v}" for k, v in list(labels.items())[:2]),
        "outcome_chart": bar_rows(
            outcome_items,
            label=lambda v: f"{int(v)}（{_pct(v / contacts) if contacts else '–'}）",
            title="最终结果",
        ),
        "satisfaction_chart": bar_rows(
            [(key_label(k, labels), float(n)) for k, n in sat.distribution.items()],
            label=lambda v: str(int(v)),
            title="满意度分布",
        )
        if sat
        else "",
        "hour_chart": columns(
            [(b.key, b.answer_rate) for b in summary.by_hour],
            title=f"按小时 · {FIGURE_LABELS['placement_answer_rate']}",
        ),
        "breakdowns": [
            ("按产品", summary.by_product),
            ("按导入批次", summary.by_batch),
            ("按日（拨打日期）", summary.by_day_satisfaction),
        ],
        "FIGURE_LABELS": FIGURE_LABELS,
        **agent_context(summary),
    }
    return env.get_template("report.html.j2").render(**context)


def write_html(summary: ReportSummary, path: Path) -> None:
    path.write_text(render_html(summary), encoding="utf-8")
