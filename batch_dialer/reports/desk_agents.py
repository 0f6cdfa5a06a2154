"""The agent lines of a ``preview`` (CTI desk) campaign, from the desk tables: per agent the contacts
offered, calls dialled, answered (the callee answered: onCalleeAnswer), talk time, CSAT and the
dispositions; the talk-time distribution of the answered calls. CSAT is the share of the top two
satisfaction scores (1 and 2) among the calls the agent scored, the same rule as the robot survey's.
The desk keeps no recordings, so the report has none and detail rows have no recording link.
"""

from __future__ import annotations

from sqlalchemy import Connection, Subquery, func, null, select

from batch_dialer.campaigns.access_models import User
from batch_dialer.campaigns.desk_models import DeskCall
from batch_dialer.campaigns.models import table_of
from batch_dialer.reports.agent_model import TALK_BUCKETS, AgentLine, AgentReport, AgentSource, talk_bucket

__all__ = ["DESK_AGENTS", "desk_agent_report", "desk_details"]

_DESK = table_of(DeskCall)
_USER = table_of(User)
TOP_TWO = (1, 2)


def desk_agent_report(conn: Connection, campaign_id: int, centre_url: str | None = None) -> AgentReport:
    """Per agent, by name; no lines for a campaign nobody worked on the desk. ``centre_url`` is unused:
    the desk has no recordings to link."""
    rows = conn.execute(
        select(
            _USER.c.name,
            _DESK.c.dialled_at,
            _DESK.c.callee_answered_at,
            _DESK.c.talk_s,
            _DESK.c.disposition,
            _DESK.c.csat,
        )
        .join(_USER, _USER.c.id == _DESK.c.agent_id)
        .where(_DESK.c.campaign_id == campaign_id)
        .order_by(_DESK.c.attempt_id)  # dispositions listed in the order they first happened
    ).all()
    lines: dict[str, AgentLine] = {}
    top_two: dict[str, int] = {}
    report = AgentReport(talk_time={label: 0 for label, _, _ in TALK_BUCKETS})
    for r in rows:
        line = lines.setdefault(r.name, AgentLine(r.name, offered=0, dispositions={}))
        line.offered = (line.offered or 0) + 1
        if r.dialled_at is None:
            continue
        line.calls += 1
        talk = int(r.talk_s or 0)
        if r.callee_answered_at is not None:
            line.answered += 1
            bucket = talk_bucket(talk)
            if bucket is not None:
                report.talk_time[bucket] += 1
        line.talk_seconds += talk
        if r.disposition and line.dispositions is not None:
            line.dispositions[r.disposition] = line.dispositions.get(r.disposition, 0) + 1
        if r.csat is not None:
            line.responses += 1
            top_two[r.name] = top_two.get(r.name, 0) + int(r.csat in TOP_TWO)
    for name in sorted(lines):
        line = lines[name]
        line.csat = top_two.get(name, 0) / line.responses if line.responses else None
        report.agents.append(line)
    return report


def desk_details(campaign_id: int) -> Subquery:
    """Per task, its last desk call that was dialled: the agent who made it and its talk time."""
    d = _DESK.c
    last = (
        select(d.task_id, func.max(d.attempt_id).label("attempt_id"))
        .where(d.campaign_id == campaign_id, d.dialled_at.is_not(None))
        .group_by(d.task_id)
        .subquery()
    )
    return (
        select(
            last.c.task_id,
            _USER.c.name.label("agent"),
            d.talk_s.label("talk_seconds"),
            null().label("recording"),
        )
        .select_from(
            last.join(_DESK, d.attempt_id == last.c.attempt_id).join(_USER, _USER.c.id == d.agent_id)
        )
        .subquery()
    )


def _no_recording(_centre_url: str | None, _file: str) -> str | None:
    return None


DESK_AGENTS = AgentSource(
    section="preview",
    lines=desk_agent_report,
    details=desk_details,
    recording_url=_no_recording,
)
