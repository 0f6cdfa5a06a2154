"""The by-agent breakdown of a campaign worked on the desk: calls, answered, talk time, CSAT and
dispositions per agent. CSAT is the share of the top two satisfaction keys (1 and 2) among the
calls the agent scored, the same rule as the robot survey's."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from batch_dialer.campaigns.access_models import User
from batch_dialer.campaigns.desk_models import DeskCall
from batch_dialer.campaigns.models import table_of
from batch_dialer.reports.agent_row import AgentRow

__all__ = ["agent_breakdown", "agent_rows"]

_desk = table_of(DeskCall)
_user = table_of(User)
TOP_TWO = (1, 2)


def agent_breakdown(engine: Engine, campaign_id: int) -> list[AgentRow]:
    with engine.connect() as conn:
        return agent_rows(conn, campaign_id)


def agent_rows(conn: Connection, campaign_id: int) -> list[AgentRow]:
    """Per agent, by name; empty for a campaign nobody worked on the desk."""
    rows = conn.execute(
        select(
            _user.c.name,
            _desk.c.dialled_at,
            _desk.c.callee_answered_at,
            _desk.c.talk_s,
            _desk.c.disposition,
            _desk.c.csat,
        )
        .join(_user, _user.c.id == _desk.c.agent_id)
        .where(_desk.c.campaign_id == campaign_id)
    ).all()
    by_agent: dict[str, AgentRow] = {}
    for r in rows:
        agent = by_agent.setdefault(r.name, AgentRow(r.name))
        agent.offered += 1
        if r.dialled_at is None:
            continue
        agent.calls += 1
        if r.callee_answered_at is not None:
            agent.answered += 1
        agent.talk_s += int(r.talk_s or 0)
        if r.disposition:
            agent.dispositions[r.disposition] = agent.dispositions.get(r.disposition, 0) + 1
        if r.csat is not None:
            agent.scored += 1
            agent.top_two += int(r.csat in TOP_TWO)
    return [by_agent[name] for name in sorted(by_agent)]
