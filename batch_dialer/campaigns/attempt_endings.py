"""How attempts end: record each outcome (compare-and-set placed → final/unknown) and move its task as
the campaign's policy decides, many attempts in one transaction.

A poll batch ends a dozen calls at once. Each attempt is still compare-and-set (a redelivered poll finds
it moved and changes nothing), but attempts that ended alike share one prepared statement, the tasks are
read in one query, and the task moves and audit events go out as one statement each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from batch_dialer.campaigns.attempt_ledger import load_campaign
from batch_dialer.campaigns.attempt_states import AttemptState, Outcome, TaskState, check_transition
from batch_dialer.campaigns.audit_trail import event_row, record_all_in
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.models import CallAttempt, CallTask, table_of
from batch_dialer.campaigns.opt_out import opted_out, record_opt_out
from batch_dialer.campaigns.task_decision import TaskDecision, decide_task

__all__ = ["Finished", "finish_attempt", "finish_attempt_in", "finish_attempts_in"]

_attempt = table_of(CallAttempt)
_task = table_of(CallTask)


@dataclass(frozen=True)
class Finished:
    """One attempt's end: its outcome, the centre's state code and keys, and how often the centre dialled
    (its own retries count as the task's attempts and toward the per-number cap)."""

    attempt_id: int
    outcome: Outcome
    centre_state: int | None
    keys: dict[str, str] | None
    attempt_state: AttemptState = AttemptState.FINAL
    dials: int = 1


def _param(name: str, column: Any) -> Any:
    return bindparam(name, type_=column.type)


def _finish(with_keys: bool) -> Any:
    """The compare-and-set of attempts that ended alike (same state, outcome, centre state, dials and
    keys), prepared once; an answered call keeps its first answer time. A call without keys stores SQL
    NULL (a bound None would be JSON null)."""
    return (
        update(_attempt)
        .where(
            _attempt.c.id.in_(bindparam("b_ids", expanding=True)),
            _attempt.c.state == AttemptState.PLACED.value,
        )
        .values(
            state=_param("b_state", _attempt.c.state),
            outcome=_param("b_outcome", _attempt.c.outcome),
            centre_state=_param("b_centre_state", _attempt.c.centre_state),
            keys=_param("b_keys", _attempt.c["keys"]) if with_keys else None,
            finished_at=_param("b_at", _attempt.c.finished_at),
            next_poll_at=None,
            dials=_param("b_dials", _attempt.c.dials),
            code=None,  # a captcha code is kept only while the call may still need it
            answered_at=func.coalesce(_attempt.c.answered_at, _param("b_answered", _attempt.c.answered_at)),
        )
        .returning(_attempt.c.id, _attempt.c.task_id, _attempt.c.campaign_id)
    )


_FINISH_WITH_KEYS, _FINISH = _finish(True), _finish(False)


def _move_tasks(with_keys: bool) -> Any:
    """One task's move out of in_flight (a no-op if it already moved); keys only when the call sent some."""
    values: dict[str, Any] = {
        "state": _param("b_state", _task.c.state),
        "last_outcome": _param("b_outcome", _task.c.last_outcome),
        "updated_at": _param("b_at", _task.c.updated_at),
        "next_attempt_at": _param("b_next", _task.c.next_attempt_at),
        "final_at": func.coalesce(_param("b_final_at", _task.c.final_at), _task.c.final_at),
    }
    if with_keys:
        values["keys"] = _param("b_keys", _task.c["keys"])
    return (
        update(_task)
        .where(_task.c.id == bindparam("b_id"), _task.c.state == TaskState.IN_FLIGHT.value)
        .values(**values)
    )


_MOVE_TASK_WITH_KEYS, _MOVE_TASK = _move_tasks(True), _move_tasks(False)


def finish_attempts_in(
    conn: Connection,
    endings: Sequence[Finished],
    now: datetime,
    campaigns: dict[int, CampaignRow] | None = None,
) -> dict[int, TaskDecision]:
    """In the caller's transaction: record each attempt's end and move its task per the policy; returns
    the decision for each attempt that moved (one another delivery already finished is left out).

    ``campaigns``: rows already loaded (a poll batch ends many attempts of few campaigns)."""
    campaigns = campaigns if campaigns is not None else {}
    # one statement per way of ending (a batch's calls end in a handful of ways), not one per attempt
    alike: dict[tuple[Any, ...], list[Finished]] = {}
    for end in endings:
        keys = json.dumps(end.keys, sort_keys=True) if end.keys else None
        alike.setdefault(
            (end.attempt_state, end.outcome, end.centre_state, max(1, end.dials), keys), []
        ).append(end)
    returned: dict[int, tuple[int, int]] = {}
    for group in alike.values():
        end = group[0]
        params: dict[str, Any] = {
            "b_ids": [e.attempt_id for e in group],
            "b_state": end.attempt_state.value,
            "b_outcome": end.outcome.value,
            "b_centre_state": end.centre_state,
            "b_at": now,
            "b_dials": max(1, end.dials),
            "b_answered": now if end.outcome is Outcome.ANSWERED else None,
        }
        if end.keys:
            params["b_keys"] = end.keys
        for row in conn.execute(_FINISH_WITH_KEYS if end.keys else _FINISH, params):
            returned[row.id] = (row.task_id, row.campaign_id)
    moved: dict[int, tuple[Finished, int, int]] = {
        end.attempt_id: (end, *returned[end.attempt_id]) for end in endings if end.attempt_id in returned
    }
    if not moved:
        return {}
    for end, task_id, _ in moved.values():
        if end.dials > 1:  # the centre's own redials count as the task's attempts
            conn.execute(
                update(_task).where(_task.c.id == task_id).values(attempts=_task.c.attempts + (end.dials - 1))
            )
    tasks = {
        r.id: dict(r._mapping)
        for r in conn.execute(select(_task).where(_task.c.id.in_([t for _, t, _ in moved.values()])))
    }
    decisions: dict[int, TaskDecision] = {}
    events: list[dict[str, Any]] = []
    moves: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for attempt_id, (end, task_id, campaign_id) in moved.items():
        task = tasks[task_id]
        if campaign_id not in campaigns:
            campaigns[campaign_id] = load_campaign(conn, campaign_id)
        campaign = campaigns[campaign_id]
        decision = decide_task(campaign, task, end.outcome, now, _recent_calls(conn, campaign, task, now))
        if opted_out(end.keys, campaign.settings.get("optout_key")):
            record_opt_out(conn, task["phone"], campaign.id, campaign.name, now)
            decision = TaskDecision(TaskState.DNC, None, "opt-out key pressed")
        check_transition(TaskState.IN_FLIGHT, decision.state)
        decisions[attempt_id] = decision
        events.append(
            event_row(
                "engine",
                "dial",
                campaign_id=campaign.id,
                phone=task["phone"],
                detail={"outcome": end.outcome.value},
                at=now,
            )
        )
        move: dict[str, Any] = {
            "b_id": task_id,
            "b_state": decision.state.value,
            "b_outcome": end.outcome.value,
            "b_at": now,
            "b_next": decision.next_attempt_at,
            "b_final_at": now if decision.state.is_final else None,
        }
        if end.keys:
            move["b_keys"] = end.keys
        moves[bool(end.keys)].append(move)
    record_all_in(conn, events)
    for with_keys, batch in moves.items():
        if batch:
            conn.execute(_MOVE_TASK_WITH_KEYS if with_keys else _MOVE_TASK, batch)
    return decisions


def _recent_calls(
    conn: Connection, campaign: CampaignRow, task: dict[str, Any], now: datetime
) -> list[datetime]:
    """The number's calls within the campaign's cap period (each of the centre's dials counts)."""
    if not (campaign.cap_count and campaign.cap_period_s):
        return []
    since = now - timedelta(seconds=int(campaign.cap_period_s))
    return [
        placed_at
        for placed_at, n in conn.execute(
            select(_attempt.c.placed_at, _attempt.c.dials).where(
                _attempt.c.phone == task["phone"], _attempt.c.placed_at >= since
            )
        )
        if placed_at is not None
        for _ in range(max(1, n or 1))
    ]


def finish_attempt_in(
    conn: Connection,
    attempt_id: int,
    now: datetime,
    *,
    outcome: Outcome,
    centre_state: int | None,
    keys: dict[str, str] | None,
    attempt_state: AttemptState = AttemptState.FINAL,
    dials: int = 1,
) -> TaskDecision | None:
    """:func:`finish_attempts_in` for one attempt; None when another delivery already finished it."""
    end = Finished(attempt_id, outcome, centre_state, keys, attempt_state, dials)
    return finish_attempts_in(conn, [end], now).get(attempt_id)


def finish_attempt(
    engine: Engine,
    attempt_id: int,
    now: datetime,
    *,
    outcome: Outcome,
    centre_state: int | None,
    keys: dict[str, str] | None,
    attempt_state: AttemptState = AttemptState.FINAL,
    dials: int = 1,
) -> TaskDecision | None:
    """:func:`finish_attempt_in` in a transaction of its own."""
    with engine.begin() as conn:
        return finish_attempt_in(
            conn,
            attempt_id,
            now,
            outcome=outcome,
            centre_state=centre_state,
            keys=keys,
            attempt_state=attempt_state,
            dials=dials,
        )
