"""The by-agent part of a report, for every kind that has agents: a kind registers an ``AgentSource``
here (its query module beside it, e.g. ``ing800_agents``) and the report files and ``--json`` render
whatever lines it gives. A kind without a source has no by-agent part.

Adding a kind with agents: one module with its queries and one line in ``AGENT_SOURCES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from batch_dialer.reports.agent_model import TALK_BUCKETS, AgentLine, AgentReport, AgentSource
from batch_dialer.reports.desk_agents import DESK_AGENTS
from batch_dialer.reports.ing800_agents import ING800_AGENTS, ing800_agent_report

__all__ = [
    "AGENT_SOURCES",
    "TALK_BUCKETS",
    "AgentLine",
    "AgentReport",
    "agent_report",
    "agent_report_for",
    "agent_section",
    "agent_source",
]

#: Kind name → where its agent lines come from.
AGENT_SOURCES: Mapping[str, AgentSource] = {
    "callback": ING800_AGENTS,
    "preview": DESK_AGENTS,
}

#: The 800ing query under its first name (``dialer report --json``'s "callback" section).
agent_report = ing800_agent_report


def agent_source(kind: str) -> AgentSource | None:
    return AGENT_SOURCES.get(kind)


def agent_report_for(
    conn: Connection, campaign_id: int, kind: str, centre_url: str | None
) -> AgentReport | None:
    """The kind's agent lines, or None for a kind without agents."""
    source = agent_source(kind)
    return None if source is None else source.lines(conn, campaign_id, centre_url)


def agent_section(kind: str, report: AgentReport | None) -> dict[str, Any]:
    """What a kind with agents adds to ``dialer report --json`` and ``GET /api/reports/{ref}``, under
    its own key ("callback", "preview"): by agent, talk-time distribution, recordings. Empty otherwise."""
    source = agent_source(kind)
    if source is None or report is None:
        return {}
    return {source.section: report.as_json()}
