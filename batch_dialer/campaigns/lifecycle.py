"""Campaign status moves: start, pause, resume, cancel, finish — each a compare-and-set.

draft/scheduled → running ⇄ paused; running → completed (or back to scheduled between cron runs);
any but completed → cancelled.

Each move made for someone (``actor``: a console user's name, ``cli``, ``scheduler``) goes on the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, exists, select, update

from batch_dialer.campaigns.attempt_states import TaskState, check_transition
from batch_dialer.campaigns.audience import Audience, create_tasks
from batch_dialer.campaigns.audit_trail import record, record_in
from batch_dialer.campaigns.models import CallTask, Campaign, table_of

__all__ = [
    "CampaignNotFound",
    "LifecycleError",
    "cancel",
    "find_campaign",
    "finish_if_done",
    "pause",
    "pause_running",
    "resume",
    "start",
    "stop_at_end",
]

_campaign = table_of(Campaign)
_task = table_of(CallTask)

_STARTABLE = ("draft", "scheduled", "paused", "completed")
check_transition(TaskState.PENDING, TaskState.CANCELLED)  # the only task move made here
_PENDING, _CANCELLED = TaskState.PENDING.value, TaskState.CANCELLED.value


class LifecycleError(Exception):
    """A status move that does not fit the campaign's current status; one clear line."""


class CampaignNotFound(LifecycleError):
    pass


@dataclass(frozen=True)
class CampaignRef:
    id: int
    name: str
    status: str


def find_campaign(engine: Engine, name_or_id: str | int) -> CampaignRef:
    with engine.connect() as conn:
        query = select(_campaign.c.id, _campaign.c.name, _campaign.c.status)
        row = conn.execute(query.where(_campaign.c.name == str(name_or_id))).first()
        if row is None and str(name_or_id).isdigit():
            row = conn.execute(query.where(_campaign.c.id == int(name_or_id))).first()
    if row is None:
        raise CampaignNotFound(f"no campaign named {name_or_id!r}")
    return CampaignRef(row.id, row.name, row.status)


def _move(engine: Engine, campaign_id: int, from_states: tuple[str, ...], values: dict[str, object]) -> bool:
    with engine.begin() as conn:
        return bool(
            conn.execute(
                update(_campaign)
                .where(_campaign.c.id == campaign_id, _campaign.c.status.in_(from_states))
                .values(**values)
            ).rowcount
        )


def start(engine: Engine, name_or_id: str | int, now: datetime, *, actor: str = "cli") -> int:
    """Create the missing tasks and set the campaign running; returns the number of new tasks."""
    ref = find_campaign(engine, name_or_id)
    if ref.status == "running":
        return 0
    if ref.status not in _STARTABLE:
        raise LifecycleError(f"campaign {ref.name!r} is {ref.status}; it cannot be started")
    with engine.connect() as conn:
        audience = conn.scalar(select(_campaign.c.audience).where(_campaign.c.id == ref.id))
    created = create_tasks(engine, ref.id, Audience.from_json(audience), now).created
    moved = _move(
        engine,
        ref.id,
        _STARTABLE,
        {"status": "running", "status_reason": None, "started_at": now, "finished_at": None},
    )
    if not moved:
        raise LifecycleError(f"campaign {ref.name!r} changed status meanwhile; try again")
    record(
        engine,
        actor,
        "start",
        campaign_id=ref.id,
        subject=ref.name,
        detail={"tasks_created": created},
        at=now,
    )
    return created


def pause(engine: Engine, name_or_id: str | int, reason: str | None = None, *, actor: str = "cli") -> None:
    ref = find_campaign(engine, name_or_id)
    if ref.status == "paused":
        return
    if not _move(engine, ref.id, ("running", "scheduled"), {"status": "paused", "status_reason": reason}):
        raise LifecycleError(f"campaign {ref.name!r} is {ref.status}; only a running campaign can be paused")
    record(engine, actor, "pause", campaign_id=ref.id, subject=ref.name, detail={"reason": reason})


def pause_running(engine: Engine, campaign_id: int, reason: str) -> bool:
    """The engine stops a running campaign (the centre refused it); the reason is shown to the operator."""
    return _move(engine, campaign_id, ("running",), {"status": "paused", "status_reason": reason[:500]})


def resume(engine: Engine, name_or_id: str | int, *, actor: str = "cli") -> None:
    ref = find_campaign(engine, name_or_id)
    if ref.status == "running":
        return
    if not _move(engine, ref.id, ("paused",), {"status": "running", "status_reason": None}):
        raise LifecycleError(f"campaign {ref.name!r} is {ref.status}; only a paused campaign can be resumed")
    record(engine, actor, "resume", campaign_id=ref.id, subject=ref.name)


def cancel(engine: Engine, name_or_id: str | int, now: datetime, *, actor: str = "cli") -> int:
    """Cancel the campaign and its pending tasks (calls in flight finish); returns tasks cancelled."""
    ref = find_campaign(engine, name_or_id)
    if ref.status in ("completed", "cancelled"):
        raise LifecycleError(f"campaign {ref.name!r} is already {ref.status}")
    with engine.begin() as conn:
        conn.execute(
            update(_campaign)
            .where(_campaign.c.id == ref.id)
            .values(status="cancelled", finished_at=now, status_reason="cancelled by the operator")
        )
        cancelled = int(
            conn.execute(
                update(_task)
                .where(_task.c.campaign_id == ref.id, _task.c.state == _PENDING)
                .values(state=_CANCELLED, final_at=now, updated_at=now)
            ).rowcount
            or 0
        )
        record_in(
            conn, actor, "cancel", campaign_id=ref.id, subject=ref.name, detail={"tasks": cancelled}, at=now
        )
    return cancelled


def stop_at_end(engine: Engine, now: datetime) -> list[int]:
    """Campaigns whose --end passed: pending tasks are cancelled (never dialled), status completed."""
    with engine.begin() as conn:
        ids = list(
            conn.scalars(
                select(_campaign.c.id).where(
                    _campaign.c.status.in_(("running", "paused", "scheduled")),
                    _campaign.c.end_at.is_not(None),
                    _campaign.c.end_at <= now,
                )
            )
        )
        for cid in ids:
            conn.execute(
                update(_task)
                .where(_task.c.campaign_id == cid, _task.c.state == _PENDING)
                .values(state=_CANCELLED, final_at=now, updated_at=now)
            )
            conn.execute(
                update(_campaign)
                .where(_campaign.c.id == cid)
                .values(status="completed", finished_at=now, status_reason="end time reached")
            )
    return ids


def finish_if_done(engine: Engine, now: datetime) -> list[int]:
    """Running campaigns with nothing pending or in flight are complete (cron ones wait for the next run)."""
    open_task = exists().where(
        and_(_task.c.campaign_id == _campaign.c.id, _task.c.state.in_((_PENDING, TaskState.IN_FLIGHT.value)))
    )
    with engine.begin() as conn:
        rows = conn.execute(
            select(_campaign.c.id, _campaign.c.cron).where(_campaign.c.status == "running", ~open_task)
        ).all()
        for row in rows:
            conn.execute(
                update(_campaign)
                .where(_campaign.c.id == row.id, _campaign.c.status == "running")
                .values(
                    status="scheduled" if row.cron else "completed",
                    finished_at=now,
                    status_reason="waiting for the next scheduled run" if row.cron else None,
                )
            )
    return [row.id for row in rows]
