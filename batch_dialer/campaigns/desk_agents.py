"""Agents and their campaigns: link a web user of role ``agent`` to a CTI user, assign campaigns,
and record the phone-bar state the desk reports (签入/示闲/示忙/小休 …)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.access_models import User
from batch_dialer.campaigns.desk_models import DESK_STATES, CampaignAgent, CtiAgent
from batch_dialer.campaigns.models import Campaign, table_of

__all__ = [
    "AgentError",
    "AgentLink",
    "agent_link",
    "assign_agents",
    "campaign_agents",
    "link_agent",
    "set_desk_state",
]

_user = table_of(User)
_agent = table_of(CtiAgent)
_assign = table_of(CampaignAgent)
_campaign = table_of(Campaign)


class AgentError(ValueError):
    """An agent command that cannot be done (unknown user, wrong role, CTI name taken); one line."""


@dataclass(frozen=True)
class AgentLink:
    user_id: int
    name: str
    cti_username: str
    ext_no: str | None


def agent_link(engine: Engine, user_name: str) -> AgentLink | None:
    """The CTI link of the web user ``user_name`` (None if it has none)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_user.c.id, _user.c.name, _agent.c.cti_username, _agent.c.ext_no)
            .join(_agent, _agent.c.user_id == _user.c.id)
            .where(_user.c.name == user_name)
        ).first()
    return AgentLink(row.id, row.name, row.cti_username, row.ext_no) if row else None


def link_agent(engine: Engine, user_name: str, cti_username: str, ext_no: str | None = None) -> AgentLink:
    """Link (or re-link) an ``agent`` user to its CTI user name and extension."""
    cti_username = cti_username.strip()
    if not cti_username:
        raise AgentError("cti_username: a CTI user name is needed")
    with engine.begin() as conn:
        user = conn.execute(select(_user.c.id, _user.c.role).where(_user.c.name == user_name.strip())).first()
        if user is None:
            raise AgentError(f"user: no user named {user_name!r}")
        if user.role != "agent":
            raise AgentError(f"user: {user_name!r} has the role {user.role}, not agent")
        values = {"cti_username": cti_username, "ext_no": (ext_no or "").strip() or None}
        try:
            with conn.begin_nested():
                if (
                    conn.execute(update(_agent).where(_agent.c.user_id == user.id).values(**values)).rowcount
                    == 0
                ):
                    conn.execute(insert(_agent).values(user_id=user.id, desk_state="offline", **values))
        except IntegrityError:
            raise AgentError(f"cti_username: {cti_username!r} is linked to another agent") from None
    return AgentLink(user.id, user_name.strip(), cti_username, values["ext_no"])


def assign_agents(engine: Engine, campaign_id: int, user_names: list[str], now: datetime) -> list[str]:
    """Make exactly these agents work the campaign; returns the assigned names."""
    with engine.begin() as conn:
        if conn.scalar(select(_campaign.c.id).where(_campaign.c.id == campaign_id)) is None:
            raise AgentError(f"campaign: no campaign {campaign_id}")
        wanted = sorted({n.strip() for n in user_names if n.strip()})
        rows = conn.execute(
            select(_user.c.id, _user.c.name)
            .join(_agent, _agent.c.user_id == _user.c.id)
            .where(_user.c.name.in_(wanted))
        ).all()
        missing = set(wanted) - {r.name for r in rows}
        if missing:
            raise AgentError(f"agents: not linked agents: {', '.join(sorted(missing))}")
        conn.execute(delete(_assign).where(_assign.c.campaign_id == campaign_id))
        if rows:
            conn.execute(
                insert(_assign),
                [{"campaign_id": campaign_id, "user_id": r.id, "assigned_at": now} for r in rows],
            )
    return wanted


def campaign_agents(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    """The agents assigned to a campaign with their desk state (for the manager's view)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                _user.c.id,
                _user.c.name,
                _agent.c.cti_username,
                _agent.c.ext_no,
                _agent.c.desk_state,
                _agent.c.state_at,
                _agent.c.last_seen_at,
            )
            .join(_agent, _agent.c.user_id == _user.c.id)
            .join(_assign, _assign.c.user_id == _user.c.id)
            .where(_assign.c.campaign_id == campaign_id)
            .order_by(_user.c.name)
        ).all()
    return [dict(r._mapping) for r in rows]


def set_desk_state(
    engine: Engine, user_id: int, state: str, now: datetime, ext_no: str | None = None
) -> None:
    if state not in DESK_STATES:
        raise AgentError(f"state: unknown desk state {state!r} (one of {', '.join(DESK_STATES)})")
    values: dict[str, Any] = {"desk_state": state, "state_at": now, "last_seen_at": now}
    if ext_no:
        values["ext_no"] = ext_no[:32]
    with engine.begin() as conn:
        conn.execute(update(_agent).where(_agent.c.user_id == user_id).values(**values))
