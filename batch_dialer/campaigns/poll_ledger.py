"""The database side of result polling, written once per result rather than once per poll.

Handing a poll out schedules the next one (``due_polls``), so a poll that learns nothing new writes
nothing; what a batch of polls did learn (answers, final results) is written in one transaction
(``record_batch``). Hints that calls ended — the centre's call log — bring their next poll forward
(``due_polls(ended_phones=…)``); without hints an attempt is simply polled again after the interval.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select, update

from batch_dialer.campaigns.attempt_endings import Finished, finish_attempts_in
from batch_dialer.campaigns.attempt_states import AttemptState
from batch_dialer.campaigns.kinds.base import PollTarget
from batch_dialer.campaigns.models import CallAttempt, Campaign, table_of

__all__ = [
    "Answered",
    "Finished",
    "due_polls",
    "poll_targets",
    "record_batch",
    "servicetype_for",
]

_attempt = table_of(CallAttempt)
_campaign = table_of(Campaign)

# built once: building a statement costs more than running it, and these run every tick
_DUE = (
    select(_attempt.c.id)
    .where(
        _attempt.c.state == AttemptState.PLACED.value,
        _attempt.c.next_poll_at <= bindparam("now", type_=_attempt.c.next_poll_at.type),
    )
    .order_by(_attempt.c.next_poll_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_POLL_AT = (
    update(_attempt)
    .where(_attempt.c.id.in_(bindparam("ids", expanding=True)))
    .values(next_poll_at=bindparam("at", type_=_attempt.c.next_poll_at.type))
)
_SOONER = (
    update(_attempt)
    .where(
        _attempt.c.state == AttemptState.PLACED.value,
        _attempt.c.phone.in_(bindparam("phones", expanding=True)),
        _attempt.c.next_poll_at > bindparam("now", type_=_attempt.c.next_poll_at.type),
    )
    .values(next_poll_at=bindparam("now", type_=_attempt.c.next_poll_at.type))
)
_TARGETS = (
    select(
        _attempt.c.id,
        _attempt.c.task_id,
        _attempt.c.campaign_id,
        _attempt.c.token,
        _attempt.c.centre_ref,
        _attempt.c.placed_at,
        _attempt.c.answered_at,
        _attempt.c.poll_deadline,
        _campaign.c.kind,
        _campaign.c.ivr_max_seconds,
        _campaign.c.token_salt,
    )
    .join(_campaign, _campaign.c.id == _attempt.c.campaign_id)
    .where(
        _attempt.c.id.in_(bindparam("ids", expanding=True)),
        _attempt.c.state == AttemptState.PLACED.value,
    )
)


@dataclass(frozen=True)
class Answered:
    """Not final, but worth writing: the callee answered (``first`` time: remember when) and keys may
    follow until the IVR's longest duration, so the next poll must come no later than ``next_poll_at``."""

    attempt_id: int
    next_poll_at: datetime
    first: bool = True


def due_polls(
    engine: Engine, now: datetime, limit: int, next_in_s: float, ended_phones: Collection[str] = ()
) -> list[int]:
    """Placed attempts whose poll is due, with their next poll already set ``next_in_s`` ahead: the
    poll itself then writes only what it learns, and nobody sends the same attempt twice meanwhile.

    ``ended_phones``: the centre says calls to these numbers ended, so our placed attempts to them are
    due now (in the same transaction: one commit a tick, not two)."""
    with engine.begin() as conn:
        if ended_phones:
            conn.execute(_SOONER, {"phones": list(ended_phones), "now": now})
        ids = list(conn.scalars(_DUE, {"now": now, "limit": limit}))
        if ids:
            later = now + timedelta(seconds=max(next_in_s, 0.05))
            conn.execute(_POLL_AT, {"ids": ids, "at": later})
    return ids


def poll_targets(engine: Engine, attempt_ids: Sequence[int]) -> list[PollTarget]:
    with engine.connect() as conn:
        rows = conn.execute(_TARGETS, {"ids": list(attempt_ids)}).all()
    return [
        PollTarget(
            attempt_id=r.id,
            task_id=r.task_id,
            campaign_id=r.campaign_id,
            kind=r.kind,
            token=r.token,
            centre_ref=r.centre_ref,
            placed_at=r.placed_at,
            answered_at=r.answered_at,
            poll_deadline=r.poll_deadline,
            ivr_max_seconds=r.ivr_max_seconds,
            servicetype=servicetype_for(r.campaign_id, r.token_salt),
        )
        for r in rows
    ]


def servicetype_for(campaign_id: int, salt: str) -> str:
    """The SOAP `servicetype` that tags one campaign's timed TTS calls at the centre."""
    return f"BATCH_DIALER_C{campaign_id}{salt}".upper()


def record_batch(
    engine: Engine,
    now: datetime,
    answered: Sequence[Answered],
    finished: Sequence[Finished],
    *,
    due_again: Sequence[int] = (),
) -> int:
    """What one poll batch learnt, in one transaction; returns how many attempts it finished.
    ``due_again``: attempts the batch had no time to poll, due at once (not a whole interval later)."""
    if not answered and not finished and not due_again:
        return 0
    with engine.begin() as conn:
        if due_again:
            conn.execute(_POLL_AT, {"ids": list(due_again), "at": now})
        for first, statement in ((True, _ANSWERED_FIRST), (False, _ANSWERED_AGAIN)):
            params = [
                {"b_id": a.attempt_id, "b_next": a.next_poll_at, "b_at": now}
                for a in answered
                if a.first == first
            ]
            if params:  # _ANSWERED_AGAIN ignores b_at
                conn.execute(statement, params)
        return len(finish_attempts_in(conn, finished, now))


def _answered(first: bool) -> Any:
    """An answered call's next poll (and, the first time, when it was answered), prepared once."""
    values: dict[str, Any] = {"next_poll_at": bindparam("b_next", type_=_attempt.c.next_poll_at.type)}
    if first:
        values["answered_at"] = bindparam("b_at", type_=_attempt.c.answered_at.type)
    return (
        update(_attempt)
        .where(_attempt.c.id == bindparam("b_id"), _attempt.c.state == AttemptState.PLACED.value)
        .values(**values)
    )


_ANSWERED_FIRST, _ANSWERED_AGAIN = _answered(True), _answered(False)
