"""Every state change of an attempt and its task, each a compare-and-set in one transaction.

A redelivered or duplicated message finds the row already moved and does nothing, which is
what makes "each call placed exactly once" hold through crashes and retries. Every move goes through
``_move_attempt`` / ``_move_task``, which consult the transition tables in ``attempt_states`` first
(the submission moves, several attempts a transaction, are in ``submit_ledger``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, select, update

from batch_dialer.campaigns.attempt_states import (
    AttemptState,
    Outcome,
    TaskState,
    check_attempt_transition,
    check_transition,
)
from batch_dialer.campaigns.campaign_row import CampaignRow, select_campaign_rows
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of

__all__ = [
    "load_campaign",
    "recent_rejections",
    "reject_attempt",
    "release_attempt",
]

_attempt = table_of(CallAttempt)
_task = table_of(CallTask)
_campaign = table_of(Campaign)


def _move_attempt(
    conn: Connection,
    attempt_id: int,
    sources: Iterable[AttemptState],
    target: AttemptState,
    values: dict[str, Any],
) -> Row[Any] | None:
    """CAS one attempt from any of ``sources`` to ``target``; returns (task_id, campaign_id, answered_at)
    when it moved. Every source → target pair must be in the table (IllegalTransition otherwise)."""
    froms = tuple(sources)
    for source in froms:
        check_attempt_transition(source, target)
    return conn.execute(
        update(_attempt)
        .where(_attempt.c.id == attempt_id, _attempt.c.state.in_([s.value for s in froms]))
        .values(state=target.value, **values)
        .returning(_attempt.c.task_id, _attempt.c.campaign_id, _attempt.c.answered_at)
    ).first()


def _move_task(
    conn: Connection, task_id: int, source: TaskState, target: TaskState, values: dict[str, Any]
) -> bool:
    """CAS one task; a same-state write (a retry: in_flight → pending is a move, pending → pending not)."""
    check_transition(source, target)
    if target.is_final:
        values = {**values, "final_at": values.get("updated_at")}
    moved = conn.execute(
        update(_task)
        .where(_task.c.id == task_id, _task.c.state == source.value)
        .values(state=target.value, **values)
    ).rowcount
    return bool(moved)


_CAMPAIGN_BY_ID = select_campaign_rows().where(_campaign.c.id == bindparam("campaign_id"))


def load_campaign(conn: Connection, campaign_id: int) -> CampaignRow:
    return CampaignRow.from_mapping(
        conn.execute(_CAMPAIGN_BY_ID, {"campaign_id": campaign_id}).one()._mapping
    )


def release_attempt(
    engine: Engine,
    attempt_id: int,
    now: datetime,
    *,
    retry_at: datetime | None,
    task_state: TaskState = TaskState.PENDING,
    code: int | None = None,
    reason: str = "",
) -> bool:
    """The attempt never reached the centre: abandon it and give the task back (not an attempt).

    `code` keeps the centre's refusal (486/480/503) so the pacer can see congestion.
    """
    with engine.begin() as conn:
        moved = _move_attempt(
            conn,
            attempt_id,
            [AttemptState.QUEUED, AttemptState.SUBMITTING],
            AttemptState.ABANDONED,
            {
                "finished_at": now,
                "centre_state": code,
                "error": reason[:500],
                "lease_until": None,
                "code": None,
            },
        )
        if moved is None:
            return False
        _move_task(
            conn,
            moved.task_id,
            TaskState.IN_FLIGHT,
            TaskState(task_state),
            {"updated_at": now, "next_attempt_at": retry_at},
        )
    return True


def reject_attempt(engine: Engine, attempt_id: int, now: datetime, *, code: int, reason: str) -> bool:
    """The centre refused this contact's data (400/420): the attempt ends `rejected`, the task invalid."""
    with engine.begin() as conn:
        moved = _move_attempt(
            conn,
            attempt_id,
            [AttemptState.SUBMITTING],
            AttemptState.FINAL,
            {
                "outcome": Outcome.REJECTED.value,
                "centre_state": code,
                "error": reason[:500],
                "finished_at": now,
                "lease_until": None,
                "code": None,
            },
        )
        if moved is None:
            return False
        _move_task(
            conn,
            moved.task_id,
            TaskState.IN_FLIGHT,
            TaskState.INVALID,
            {"updated_at": now, "last_outcome": Outcome.REJECTED.value, "next_attempt_at": None},
        )
    return True


def recent_rejections(engine: Engine, campaign_id: int, run: int) -> int:
    """How many of the campaign's last ``run`` ended submissions in a row were rejected (400/420)."""
    with engine.connect() as conn:
        outcomes = list(
            conn.scalars(
                select(_attempt.c.outcome)
                .where(
                    _attempt.c.campaign_id == campaign_id,
                    _attempt.c.state.in_([AttemptState.FINAL.value, AttemptState.PLACED.value]),
                )
                .order_by(_attempt.c.id.desc())
                .limit(run)
            )
        )
    count = 0
    for outcome in outcomes:
        if outcome != Outcome.REJECTED.value:
            break
        count += 1
    return count
