"""The by-agent section of the HTML report: what ``templates/agents.html.j2`` renders (per agent, the
talk-time distribution as an SVG bar, recordings with links). Empty for a kind without agents."""

from __future__ import annotations

from typing import Any

from batch_dialer.reports.summary_model import ReportSummary
from batch_dialer.reports.svg_charts import bar_rows

__all__ = ["agent_context"]

_WEB_LINKS = ("http://", "https://")


def agent_context(summary: ReportSummary) -> dict[str, Any]:
    report = summary.agents
    if report is None:
        return {"agents": None}
    recordings = [
        {**r, "url": r["url"] if isinstance(r.get("url"), str) and r["url"].startswith(_WEB_LINKS) else None}
        for r in report.recordings
    ]
    return {
        "agents": report,
        "agents_dispositions": any(line.dispositions is not None for line in report.agents),
        "agent_recordings": recordings,
        "talk_time_chart": bar_rows(
            [(label, float(n)) for label, n in report.talk_time.items()],
            label=lambda v: str(int(v)),
            title="通话时长分布",
        ),
    }
