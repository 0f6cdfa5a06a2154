"""Where a campaign stands, computed in SQL: the machine-readable state operators script against."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from batch_dialer.campaigns.attempt_states import AttemptState, TaskState
from batch_dialer.campaigns.campaign_figures import campaign_figures
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of

__all__ = ["TASK_STATES", "campaign_progress", "live_figures"]

_campaign = table_of(Campaign)
_task = table_of(CallTask)
_attempt = table_of(CallAttempt)

TASK_STATES = tuple(state.value for state in TaskState)
_PLACED_STATES = tuple(s.value for s in (AttemptState.PLACED, AttemptState.FINAL, AttemptState.UNKNOWN))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def campaign_progress(engine: Engine, campaign_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The JSON that `campaign show --json` prints (campaign, status, tasks, by_state, attempts, …);
    with ``now``, also the campaign's figures with their labels, as the page shows them."""
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
    shown: dict[str, Any] = {
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
    if now is not None:
        shown["figures"] = campaign_figures(engine, campaign_id, now).as_json()
    return shown


def live_figures(engine: Engine, campaign_id: int, now: datetime) -> dict[str, Any]:
    """The live view's figures, as defined once in ``campaign_figures`` (``pending_due`` is ``due_now``)."""
    figures = campaign_figures(engine, campaign_id, now).as_json()
    return {**figures, "pending_due": figures["due_now"]}
