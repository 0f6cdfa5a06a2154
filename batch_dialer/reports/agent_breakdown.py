"""The by-agent breakdown of a campaign worked on the desk: calls, answered, talk time, CSAT and
dispositions per agent. CSAT is the share of the top two satisfaction keys (1 and 2) among the
calls the agent scored, the same rule as the robot survey's."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from batch_dialer.campaigns.access_models import User
from batch_dialer.campaigns.desk_models import DeskCall
from batch_dialer.campaigns.models import table_of

__all__ = ["AgentRow", "agent_breakdown"]

_desk = table_of(DeskCall)
_user = table_of(User)
TOP_TWO = (1, 2)


@dataclass
class AgentRow:
    agent: str
    offered: int = 0
    calls: int = 0  # dialled
    answered: int = 0  # the callee answered (onCalleeAnswer)
    talk_s: int = 0
    scored: int = 0
    top_two: int = 0
    dispositions: dict[str, int] = field(default_factory=dict)

    @property
    def csat(self) -> float | None:
        return self.top_two / self.scored if self.scored else None

    def as_dict(self) -> dict[str, object]:
        return {
            "agent": self.agent,
            "offered": self.offered,
            "calls": self.calls,
            "answered": self.answered,
            "talk_s": self.talk_s,
            "scored": self.scored,
            "csat": self.csat,
            "dispositions": dict(self.dispositions),
        }


def agent_breakdown(engine: Engine, campaign_id: int) -> list[AgentRow]:
    with engine.connect() as conn:
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
