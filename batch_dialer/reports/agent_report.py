"""The by-agent part of a report, for every kind that has agents: a kind registers an ``AgentSource``
here (its query module beside it, e.g. ``ing800_agents``) and the report files and ``--json`` render
whatever lines it gives. A kind without a source has no by-agent part.

Adding a kind with agents: one module with its queries and one line in ``AGENT_SOURCES``.
"""

from __future__ import annotations

from collections.abc import Mapping

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
