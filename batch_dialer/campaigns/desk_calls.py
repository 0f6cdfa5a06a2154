"""What happens to an offered contact on the desk: 拨打, the phone bar's events, and the disposition.

The agent pressing 拨打 is the placement (``queued → submitting → placed`` in one transaction, the task's
``attempts`` + 1): the browser's ``ctibar.makecall`` starts right after, and the document gives no way to
ask the CTI afterwards whether it did. Dispositions become attempt outcomes that go through the same
outcome policy as robot calls (``finish_attempt``): 满意度 n → ``answered`` with key ``satisfact=n``;
忙 → ``busy``; 无人接听 → ``no_answer``; 空号 → ``empty``. Two are the agent's own: 约定回拨 finishes the
attempt ``answered`` and makes the task due again at the agreed time, reserved for the same agent (it
is not limited by ``max_attempts``, but never after the campaign's end); 勿扰 finishes it ``answered``,
adds the number to the do-not-call list and closes the task as ``dnc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.attempt_endings import finish_attempt
from batch_dialer.campaigns.attempt_states import (
    Outcome,
    TaskState,
    check_attempt_transition,
    check_transition,
)
from batch_dialer.campaigns.desk_models import DeskCall, DeskReservation
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, DoNotCall, table_of
from batch_dialer.campaigns.task_decision import TaskDecision

__all__ = [
    "DISPOSITION_OUTCOMES",
    "DeskError",
    "Disposition",
    "PhoneBarEvent",
    "dial",
    "dispose",
    "record_event",
]

for _move in (("queued", "submitting"), ("submitting", "placed"), ("placed", "final")):
    check_attempt_transition(*_move)
check_transition("in_flight", "pending")  # 约定回拨
check_transition("in_flight", "dnc")  # 勿扰

_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
_campaign = table_of(Campaign)
_dnc = table_of(DoNotCall)
_desk = table_of(DeskCall)
_reservation = table_of(DeskReservation)
SATISFACTION_KEY = "satisfact"
NOTE_MAX = 2000


class DeskError(ValueError):
    """A desk request that does not fit the call's state (not yours, not dialled yet, already saved)."""


class PhoneBarEvent(StrEnum):
    """The SDK callbacks the desk posts (onRing, onAnswer, onCalleeAnswer, onHangup)."""

    RING = "ring"
    ANSWER = "answer"
    CALLEE_ANSWER = "callee_answer"
    HANGUP = "hangup"


class Disposition(StrEnum):
    CSAT = "csat"  # 满意度 1–5
    BUSY = "busy"  # 忙
    NO_ANSWER = "no_answer"  # 无人接听
    EMPTY = "empty"  # 空号
    CALLBACK = "callback"  # 约定回拨
    DNC = "dnc"  # 勿扰


#: The attempt outcome each disposition records.
DISPOSITION_OUTCOMES: dict[Disposition, Outcome] = {
    Disposition.CSAT: Outcome.ANSWERED,
    Disposition.BUSY: Outcome.BUSY,
    Disposition.NO_ANSWER: Outcome.NO_ANSWER,
    Disposition.EMPTY: Outcome.EMPTY,
    Disposition.CALLBACK: Outcome.ANSWERED,
    Disposition.DNC: Outcome.ANSWERED,
}


@dataclass(frozen=True)
class DialTarget:
    """What the page needs for ``ctibar.makecall``: the full number (never rendered in the page)."""

    attempt_id: int
    phone: str


def _held(engine: Engine, agent_id: int, attempt_id: int) -> Any:
    with engine.connect() as conn:
        row = conn.execute(
            select(_desk, _attempt.c.state.label("attempt_state"), _attempt.c.phone)
            .join(_attempt, _attempt.c.id == _desk.c.attempt_id)
            .where(_desk.c.attempt_id == attempt_id)
        ).first()
    if row is None or row.agent_id != agent_id:
        raise DeskError("这不是你桌面上的联系人 / this contact is not on your desk")
    return row


def dial(engine: Engine, agent_id: int, attempt_id: int, now: datetime) -> DialTarget:
    """拨打: count the placement and hand back the number. Pressing it twice dials once."""
    row = _held(engine, agent_id, attempt_id)
    if row.disposed_at is not None:
        raise DeskError("这个联系人已经处理完 / this contact was already finished")
    if row.dialled_at is not None:
        return DialTarget(attempt_id, row.phone)
    with engine.begin() as conn:
        still_held = conn.execute(
            update(_desk)
            .where(
                _desk.c.attempt_id == attempt_id, _desk.c.disposed_at.is_(None), _desk.c.dialled_at.is_(None)
            )
            .values(dialled_at=now)
        ).rowcount
        moved = (
            still_held
            and conn.execute(
                update(_attempt)
                .where(_attempt.c.id == attempt_id, _attempt.c.state == "queued")
                .values(state="submitting")
            ).rowcount
        )
        if not moved:  # raising rolls the dialled_at mark back
            raise DeskError("这个联系人已不在你的桌面上 / this offer was released")
        conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state == "submitting")
            .values(state="placed", placed_at=now, lease_until=None, next_poll_at=None)
        )
        conn.execute(
            update(_task)
            .where(_task.c.id == row.task_id)
            .values(attempts=_task.c.attempts + 1, updated_at=now)
        )
    return DialTarget(attempt_id, row.phone)


def record_event(
    engine: Engine,
    agent_id: int,
    attempt_id: int,
    event: PhoneBarEvent | str,
    now: datetime,
    call_id: str | None = None,
    direction: str | None = None,
) -> dict[str, Any]:
    """Record one phone-bar event on the dialled attempt; the first of each kind counts."""
    kind = PhoneBarEvent(event)
    row = _held(engine, agent_id, attempt_id)
    if row.dialled_at is None:
        raise DeskError("还没有拨打这个联系人 / this contact was not dialled yet")
    values: dict[str, Any] = {}
    if kind is PhoneBarEvent.RING:
        if row.rang_at is None:
            values["rang_at"] = now
        if call_id and not row.call_id:
            values["call_id"] = call_id[:64]
        if direction and not row.direction:
            values["direction"] = direction.upper()[:16]
    elif kind is PhoneBarEvent.ANSWER and row.agent_answered_at is None:
        values["agent_answered_at"] = now
    elif kind is PhoneBarEvent.CALLEE_ANSWER and row.callee_answered_at is None:
        values["callee_answered_at"] = now
    elif kind is PhoneBarEvent.HANGUP and row.hung_up_at is None:
        values["hung_up_at"] = now
        answered = row.callee_answered_at
        values["talk_s"] = max(0, round((now - answered).total_seconds())) if answered else 0
    with engine.begin() as conn:
        if values:
            conn.execute(update(_desk).where(_desk.c.attempt_id == attempt_id).values(**values))
        if kind is PhoneBarEvent.CALLEE_ANSWER:
            conn.execute(
                update(_attempt)
                .where(_attempt.c.id == attempt_id, _attempt.c.answered_at.is_(None))
                .values(answered_at=now)
            )
        if kind is PhoneBarEvent.RING and call_id:
            conn.execute(
                update(_attempt)
                .where(_attempt.c.id == attempt_id, _attempt.c.centre_ref.is_(None))
                .values(centre_ref=call_id[:64])
            )
    return {"event": kind.value, "recorded": bool(values)}


def _finish_agent_owned(
    engine: Engine, attempt_id: int, task_id: int, now: datetime, task_values: dict[str, Any]
) -> None:
    """Attempt placed → final ``answered`` and the task moved as the agent said (callback / DNC)."""
    with engine.begin() as conn:
        moved = conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state == "placed")
            .values(state="final", outcome="answered", finished_at=now, next_poll_at=None)
        ).rowcount
        if not moved:
            raise DeskError("这通电话的结果已经记录 / this call's result was already recorded")
        conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.answered_at.is_(None))
            .values(answered_at=now)
        )
        conn.execute(
            update(_task)
            .where(_task.c.id == task_id, _task.c.state == "in_flight")
            .values(last_outcome="answered", updated_at=now, **task_values)
        )


def dispose(
    engine: Engine,
    agent_id: int,
    attempt_id: int,
    disposition: Disposition | str,
    now: datetime,
    *,
    csat: int | None = None,
    callback_at: datetime | None = None,
    note: str | None = None,
) -> TaskDecision:
    """Save the agent's disposition; returns the task's next state."""
    kind = Disposition(disposition)
    row = _held(engine, agent_id, attempt_id)
    if row.disposed_at is not None:
        raise DeskError("这通电话的结果已经记录 / this call's result was already recorded")
    if row.dialled_at is None:
        raise DeskError("还没有拨打这个联系人，可以跳过 / not dialled yet: skip it instead")
    if kind is Disposition.CSAT and (csat is None or not 1 <= csat <= 5):
        raise DeskError("满意度必须是 1 到 5 / csat must be 1..5")
    note = (note or "").strip()[:NOTE_MAX] or None
    decision: TaskDecision | None
    if kind is Disposition.CALLBACK:
        decision = _callback(engine, agent_id, row, now, callback_at)
    elif kind is Disposition.DNC:
        with engine.begin() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(insert(_dnc).values(phone=row.phone, reason="坐席记录：勿扰", added_at=now))
            except IntegrityError:
                pass  # already on the list
        _finish_agent_owned(engine, attempt_id, row.task_id, now, {"state": "dnc", "final_at": now})
        decision = TaskDecision(TaskState.DNC, None, "do not call (agent)")
    else:
        keys = {SATISFACTION_KEY: str(csat)} if kind is Disposition.CSAT else None
        decision = finish_attempt(
            engine, attempt_id, now, outcome=DISPOSITION_OUTCOMES[kind], centre_state=None, keys=keys
        )
        if decision is None:
            raise DeskError("这通电话的结果已经记录 / this call's result was already recorded")
    with engine.begin() as conn:
        conn.execute(
            update(_desk)
            .where(_desk.c.attempt_id == attempt_id)
            .values(
                disposition=kind.value,
                csat=csat if kind is Disposition.CSAT else None,
                callback_at=decision.next_attempt_at if kind is Disposition.CALLBACK else None,
                note=note,
                disposed_at=now,
                lease_until=None,
                hung_up_at=row.hung_up_at or now,
            )
        )
        if kind is not Disposition.CALLBACK:
            conn.execute(delete(_reservation).where(_reservation.c.task_id == row.task_id))
    return decision


def _callback(
    engine: Engine, agent_id: int, row: Any, now: datetime, callback_at: datetime | None
) -> TaskDecision:
    if callback_at is None:
        raise DeskError("约定回拨需要时间 / a callback needs a time")
    with engine.connect() as conn:
        camp = conn.execute(
            select(_campaign.c.end_at, _campaign.c.tz).where(_campaign.c.id == row.campaign_id)
        ).one()
    end_at = camp.end_at
    if callback_at.tzinfo is None:  # a wall-clock time from the page: the campaign's time zone
        callback_at = callback_at.replace(tzinfo=ZoneInfo(camp.tz or "Asia/Shanghai"))
    callback_at = callback_at.astimezone(UTC)
    due = max(callback_at, now + timedelta(seconds=1))
    if end_at is not None and due >= end_at:
        raise DeskError("约定回拨时间在活动结束之后 / the callback is after the campaign ends")
    _finish_agent_owned(
        engine, row.attempt_id, row.task_id, now, {"state": "pending", "next_attempt_at": due}
    )
    with engine.begin() as conn:
        conn.execute(delete(_reservation).where(_reservation.c.task_id == row.task_id))
        conn.execute(
            insert(_reservation).values(task_id=row.task_id, agent_id=agent_id, due_at=due, created_at=now)
        )
    return TaskDecision(TaskState.PENDING, due, "callback agreed with the agent")
