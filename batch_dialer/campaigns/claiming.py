"""Claiming due tasks: one transaction turns pending tasks into queued attempts, never twice.

The pacer decides how many; this module decides which, and makes the claim safe under
concurrency (`FOR UPDATE SKIP LOCKED` on PostgreSQL, compare-and-set everywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, bindparam, func, insert, or_, select, update

from batch_dialer.campaigns.attempt_states import AttemptState, TaskState, check_transition
from batch_dialer.campaigns.db_types import UTCDateTime
from batch_dialer.campaigns.models import CallAttempt, CallTask, DoNotCall, table_of

__all__ = ["ClaimPolicy", "ClaimResult", "claim_due", "expired_claims", "make_token", "token_prefix"]

_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
_dnc = table_of(DoNotCall)

# attempt states in which an attempt may still turn into (or already is) a real placement
_COUNTING_STATES = tuple(
    s.value
    for s in (
        AttemptState.QUEUED,
        AttemptState.SUBMITTING,
        AttemptState.PLACED,
        AttemptState.FINAL,
        AttemptState.UNKNOWN,
    )
)
_PENDING, _IN_FLIGHT, _DNC = TaskState.PENDING.value, TaskState.IN_FLIGHT.value, TaskState.DNC.value

# built once: building a statement costs more than running it, and these run every pacer tick
_DUE = (
    select(_task.c.id, _task.c.phone)
    .where(
        _task.c.campaign_id == bindparam("campaign_id"),
        _task.c.state == _PENDING,
        or_(
            _task.c.next_attempt_at.is_(None),
            _task.c.next_attempt_at <= bindparam("now", type_=_task.c.next_attempt_at.type),
        ),
    )
    .order_by(_task.c.next_attempt_at.asc().nulls_first(), _task.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_BLOCKED = select(_dnc.c.phone).where(_dnc.c.phone.in_(bindparam("phones", expanding=True)))
_CLAIM = (
    update(_task)
    .where(_task.c.id.in_(bindparam("ids", expanding=True)), _task.c.state == _PENDING)
    .values(
        state=_IN_FLIGHT,
        claims=_task.c.claims + 1,
        updated_at=bindparam("now", type_=_task.c.updated_at.type),
    )
    .returning(_task.c.id, _task.c.claims, _task.c.phone)
)

_NEW_ATTEMPTS = insert(_attempt).returning(_attempt.c.task_id, _attempt.c.id)


@dataclass(frozen=True)
class ClaimPolicy:
    campaign_id: int
    token_salt: str
    cap_count: int | None = None
    cap_period_s: int | None = None
    lease_s: float = 60.0


@dataclass(frozen=True)
class ClaimResult:
    attempt_ids: list[int]
    dnc: int = 0
    capped: int = 0


def token_prefix(campaign_id: int, salt: str) -> str:
    """What every token of one campaign starts with (retention finds the centre's records by it)."""
    return f"c{campaign_id}{salt}-"


def make_token(campaign_id: int, salt: str, task_id: int, attempt_no: int) -> str:
    """Unique per attempt, so a resubmission is answered 483 instead of dialling again."""
    return f"{token_prefix(campaign_id, salt)}t{task_id}-a{attempt_no}"


def claim_due(engine: Engine, policy: ClaimPolicy, limit: int, now: datetime) -> ClaimResult:
    """Claim up to `limit` due tasks of one campaign and create their queued attempts."""
    if limit <= 0:
        return ClaimResult([])
    with engine.begin() as conn:
        due = conn.execute(_DUE, {"campaign_id": policy.campaign_id, "now": now, "limit": limit}).all()
        if not due:
            return ClaimResult([])
        phones = {row.phone for row in due}

        # do-not-call is checked again at dial time: the list may have grown since creation
        blocked = set(conn.scalars(_BLOCKED, {"phones": list(phones)}))
        dnc_ids = [row.id for row in due if row.phone in blocked]
        if dnc_ids:
            check_transition(TaskState.PENDING, TaskState.DNC)
            conn.execute(
                update(_task)
                .where(_task.c.id.in_(dnc_ids), _task.c.state == _PENDING)
                .values(state=_DNC, final_at=now, updated_at=now)
            )

        capped_ids: list[int] = []
        if policy.cap_count and policy.cap_period_s:
            capped_ids = _defer_capped(conn, policy, [r for r in due if r.phone not in blocked], now)

        chosen = [row.id for row in due if row.phone not in blocked and row.id not in set(capped_ids)]
        if not chosen:
            return ClaimResult([], dnc=len(dnc_ids), capped=len(capped_ids))
        check_transition(TaskState.PENDING, TaskState.IN_FLIGHT)
        claimed = conn.execute(_CLAIM, {"ids": chosen, "now": now}).all()
        lease_until = now + timedelta(seconds=policy.lease_s)
        rows = [
            {
                "task_id": r.id,
                "campaign_id": policy.campaign_id,
                "attempt_no": r.claims,
                "phone": r.phone,
                "token": make_token(policy.campaign_id, policy.token_salt, r.id, r.claims),
                "state": AttemptState.QUEUED.value,
                "claimed_at": now,
                "lease_until": lease_until,
            }
            for r in claimed
        ]
        # one multi-row INSERT: asking for the rows back in parameter order made SQLite insert one by one
        made = {task_id: attempt_id for task_id, attempt_id in conn.execute(_NEW_ATTEMPTS, rows)}
    return ClaimResult([made[r.id] for r in claimed], dnc=len(dnc_ids), capped=len(capped_ids))


def _defer_capped(
    conn: Connection, policy: ClaimPolicy, rows: Sequence[Row[Any, Any]], now: datetime
) -> list[int]:
    """Tasks whose number reached the cap across all campaigns wait until the oldest call ages out.
    An attempt counts as many calls as the centre dialled for it (``dials``: its own retries too)."""
    assert policy.cap_count and policy.cap_period_s
    period = timedelta(seconds=policy.cap_period_s)
    stamp = func.coalesce(_attempt.c.placed_at, _attempt.c.claimed_at)
    recent = conn.execute(
        select(_attempt.c.phone, func.sum(_attempt.c.dials), func.min(stamp))
        .where(
            _attempt.c.phone.in_({r.phone for r in rows}),
            _attempt.c.state.in_(_COUNTING_STATES),
            stamp >= now - period,
        )
        .group_by(_attempt.c.phone)
    ).all()
    over = {phone: oldest for phone, count, oldest in recent if count >= policy.cap_count}
    capped: list[int] = []
    for row in rows:
        oldest = over.get(row.phone)
        if oldest is None:
            continue
        oldest = UTCDateTime().process_result_value(oldest, conn.dialect)  # SQLite: aggregates are text
        assert oldest is not None
        conn.execute(
            update(_task)
            .where(and_(_task.c.id == row.id, _task.c.state == _PENDING))
            .values(next_attempt_at=oldest + period, updated_at=now)
        )
        capped.append(row.id)
    return capped


def expired_claims(engine: Engine, now: datetime, lease_s: float = 60.0, limit: int = 1000) -> list[int]:
    """Attempts claimed but not placed whose lease ran out (message lost, worker killed, Redis
    restarted), for the scheduler to send again.

    A `queued` one gets a new lease (the worker's compare-and-set from `queued` does not look at it). A
    `submitting` one keeps its lapsed lease: that lapse is what lets a worker take it over as a
    resubmission (``submit_ledger.renew_submit_lease``); renewing it here made every re-sent message
    find the lease running and skip the attempt, for ever. It is re-sent each round until one is taken
    over; the take-over's compare-and-set lets one delivery through."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(_attempt.c.id, _attempt.c.state)
            .where(
                _attempt.c.state.in_((AttemptState.QUEUED.value, AttemptState.SUBMITTING.value)),
                _attempt.c.lease_until < now,
            )
            .order_by(_attempt.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        queued = [r.id for r in rows if r.state == AttemptState.QUEUED.value]
        if queued:
            conn.execute(
                update(_attempt)
                .where(_attempt.c.id.in_(queued), _attempt.c.state == AttemptState.QUEUED.value)
                .values(lease_until=now + timedelta(seconds=lease_s))
            )
    return [r.id for r in rows]
