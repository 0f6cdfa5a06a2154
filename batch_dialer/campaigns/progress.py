"""Where a campaign stands, computed in SQL: the machine-readable state operators script against."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, select

from batch_dialer.campaigns.attempt_states import AttemptState, TaskState
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of

__all__ = ["TASK_STATES", "campaign_progress", "live_figures"]

_campaign = table_of(Campaign)
_task = table_of(CallTask)
_attempt = table_of(CallAttempt)

TASK_STATES = tuple(state.value for state in TaskState)
_PENDING, _IN_FLIGHT = TaskState.PENDING.value, TaskState.IN_FLIGHT.value
_PLACED_STATES = tuple(s.value for s in (AttemptState.PLACED, AttemptState.FINAL, AttemptState.UNKNOWN))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def campaign_progress(engine: Engine, campaign_id: int) -> dict[str, Any]:
    """The JSON that `campaign show --json` prints (campaign, status, tasks, by_state, attempts, …)."""
    with engine.connect() as conn:
        camp = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).one()
        by_state = dict.fromkeys(TASK_STATES, 0)
        for state, n in conn.execute(
            select(_task.c.state, func.count())
            .where(_task.c.campaign_id == campaign_id)
            .group_by(_task.c.state)
        ):
            by_state[state] = int(n)
        by_outcome: dict[str, int] = {}
        for outcome, n in conn.execute(
            select(_attempt.c.outcome, func.count())
            .where(_attempt.c.campaign_id == campaign_id, _attempt.c.outcome.is_not(None))
            .group_by(_attempt.c.outcome)
        ):
            by_outcome[outcome] = int(n)
        attempts = conn.scalar(
            select(func.count()).where(
                _attempt.c.campaign_id == campaign_id, _attempt.c.state.in_(_PLACED_STATES)
            )
        )
    return {
        "campaign": camp.name,
        "status": camp.status,
        "status_reason": camp.status_reason,
        "kind": camp.kind,
        "tasks": sum(by_state.values()),
        "by_state": by_state,
        "attempts": int(attempts or 0),
        "by_outcome": by_outcome,
        "started_at": _iso(camp.started_at),
        "finished_at": _iso(camp.finished_at),
    }


def live_figures(engine: Engine, campaign_id: int, now: datetime) -> dict[str, Any]:
    """The live view: due vs waiting-to-retry, calls in the last minute, and an ETA."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                func.sum(case((_task.c.state == _PENDING, 1), else_=0)),
                func.sum(
                    case(
                        (
                            (_task.c.state == _PENDING)
                            & (_task.c.next_attempt_at.is_not(None))
                            & (_task.c.next_attempt_at > now),
                            1,
                        ),
                        else_=0,
                    )
                ),
                func.sum(case((_task.c.state == _IN_FLIGHT, 1), else_=0)),
            ).where(_task.c.campaign_id == campaign_id)
        ).one()
        per_minute = conn.scalar(
            select(func.count()).where(
                _attempt.c.campaign_id == campaign_id, _attempt.c.placed_at >= now - timedelta(seconds=60)
            )
        )
        recent_done = conn.scalar(
            select(func.count()).where(
                _task.c.campaign_id == campaign_id,
                _task.c.final_at >= now - timedelta(seconds=60),
            )
        )
    pending, waiting, in_flight = (int(v or 0) for v in row)
    open_tasks = pending + in_flight
    finishing = int(recent_done or 0)
    eta_s = (open_tasks / finishing * 60.0) if finishing else None
    return {
        "pending_due": pending - waiting,
        "waiting_retry": waiting,
        "in_flight": in_flight,
        "calls_per_minute": int(per_minute or 0),
        "eta_seconds": eta_s,
    }
