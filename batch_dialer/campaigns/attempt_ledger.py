"""Every state change of an attempt and its task, each a compare-and-set in one transaction.

A redelivered or duplicated message finds the row already moved and does nothing, which is
what makes "each call placed exactly once" hold through crashes and retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from batch_dialer.campaigns.attempt_states import check_attempt_transition
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact, Opportunity, table_of
from batch_dialer.campaigns.task_decision import TaskDecision, decide_task

__all__ = [
    "DialJob",
    "PollTarget",
    "begin_submit",
    "due_polls",
    "finish_attempt",
    "mark_placed",
    "poll_targets",
    "release_attempt",
    "reschedule_poll",
]

# Every compare-and-set below makes one of these moves; the state tables must allow each of them.
LEDGER_MOVES = (
    ("queued", "submitting"),  # begin_submit
    ("submitting", "placed"),  # mark_placed
    ("queued", "abandoned"),  # release_attempt
    ("submitting", "abandoned"),  # release_attempt
    ("placed", "final"),  # finish_attempt
    ("placed", "unknown"),  # finish_attempt, no result before the deadline
)
for _move in LEDGER_MOVES:
    check_attempt_transition(*_move)

_attempt = table_of(CallAttempt)
_task = table_of(CallTask)
_campaign = table_of(Campaign)
_contact = table_of(Contact)
_opp = table_of(Opportunity)


@dataclass(frozen=True)
class DialJob:
    """All a worker needs to place one attempt."""

    attempt_id: int
    task_id: int
    campaign_id: int
    token: str
    phone: str
    attempt_no: int
    resubmission: bool  # an earlier submission may have reached the centre
    campaign: dict[str, Any]
    contact: dict[str, Any]
    code: str | None


def begin_submit(engine: Engine, attempt_id: int, now: datetime, lease_s: float) -> DialJob | None:
    """Mark the attempt as being submitted (CAS) and load what placing it needs.

    Returns None when another delivery already moved it on. An attempt found in `submitting`
    whose lease ran out is handed out again as a resubmission: its token protects the callee.
    """
    lease_until = now + timedelta(seconds=lease_s)
    with engine.begin() as conn:
        moved = conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state == "queued")
            .values(state="submitting", lease_until=lease_until)
        ).rowcount
        resubmission = False
        if not moved:
            moved = conn.execute(
                update(_attempt)
                .where(
                    _attempt.c.id == attempt_id,
                    _attempt.c.state == "submitting",
                    _attempt.c.lease_until <= now,
                )
                .values(lease_until=lease_until)
            ).rowcount
            resubmission = bool(moved)
        if not moved:
            return None
        row = conn.execute(
            select(_attempt, _campaign.c.kind.label("campaign_kind"))
            .join(_campaign, _campaign.c.id == _attempt.c.campaign_id)
            .where(_attempt.c.id == attempt_id)
        ).one()
        campaign = dict(
            conn.execute(select(_campaign).where(_campaign.c.id == row.campaign_id)).one()._mapping
        )
        task = conn.execute(select(_task.c.contact_id).where(_task.c.id == row.task_id)).one()
        contact = _contact_fields(conn, task.contact_id, campaign)
    return DialJob(
        attempt_id=attempt_id,
        task_id=row.task_id,
        campaign_id=row.campaign_id,
        token=row.token,
        phone=row.phone,
        attempt_no=row.attempt_no,
        resubmission=resubmission,
        campaign=campaign,
        contact=contact,
        code=row.code,
    )


def _contact_fields(conn: Connection, contact_id: int, campaign: dict[str, Any]) -> dict[str, Any]:
    """The contact as placeholders see it: name, company, phone, product and every extra column."""
    contact = conn.execute(select(_contact).where(_contact.c.id == contact_id)).one()
    products = (campaign.get("audience") or {}).get("products") or []
    query = select(_opp.c.product, _opp.c.comment, _opp.c.qq).where(_opp.c.contact_id == contact_id)
    if products:
        query = query.where(_opp.c.product.in_(products))
    opp = conn.execute(query.order_by(_opp.c.id).limit(1)).first()
    fields: dict[str, Any] = dict(contact.extra or {})
    fields.update(
        name=contact.name or "",
        company=contact.company or "",
        phone=contact.phone,
        product=opp.product if opp else "",
        comment=(opp.comment or "") if opp else "",
        qq=(opp.qq or "") if opp else "",
    )
    return fields


def mark_placed(
    engine: Engine,
    attempt_id: int,
    now: datetime,
    poll_interval_s: float,
    result_deadline_s: float,
    centre_ref: str | None = None,
) -> bool:
    """The centre accepted the call (200, or 483 for a resubmission): count it as a real placement."""
    with engine.begin() as conn:
        moved = conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state == "submitting")
            .values(
                state="placed",
                placed_at=now,
                next_poll_at=now + timedelta(seconds=poll_interval_s),
                poll_deadline=now + timedelta(seconds=result_deadline_s),
                lease_until=None,
                centre_ref=centre_ref,
            )
            .returning(_attempt.c.task_id)
        ).first()
        if moved is None:
            return False
        conn.execute(
            update(_task)
            .where(_task.c.id == moved.task_id)
            .values(attempts=_task.c.attempts + 1, updated_at=now)
        )
    return True


def release_attempt(
    engine: Engine,
    attempt_id: int,
    now: datetime,
    *,
    retry_at: datetime | None,
    task_state: str = "pending",
    code: int | None = None,
    reason: str = "",
) -> bool:
    """The attempt never reached the centre: abandon it and give the task back (not an attempt).

    `code` keeps the centre's refusal (486/480/503) so the pacer can see congestion.
    """
    with engine.begin() as conn:
        moved = conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state.in_(("queued", "submitting")))
            .values(
                state="abandoned", finished_at=now, centre_state=code, error=reason[:500], lease_until=None
            )
            .returning(_attempt.c.task_id)
        ).first()
        if moved is None:
            return False
        values: dict[str, Any] = {"state": task_state, "updated_at": now, "next_attempt_at": retry_at}
        if task_state != "pending":
            values["final_at"] = now
        conn.execute(
            update(_task).where(_task.c.id == moved.task_id, _task.c.state == "in_flight").values(**values)
        )
    return True


def due_polls(engine: Engine, now: datetime, limit: int, interval_s: float) -> list[int]:
    """Placed attempts whose next poll is due; their next poll moves on so nobody sends them twice."""
    with engine.begin() as conn:
        ids = list(
            conn.scalars(
                select(_attempt.c.id)
                .where(_attempt.c.state == "placed", _attempt.c.next_poll_at <= now)
                .order_by(_attempt.c.next_poll_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            conn.execute(
                update(_attempt)
                .where(_attempt.c.id.in_(ids))
                .values(next_poll_at=now + timedelta(seconds=max(interval_s, 1.0) * 3))
            )
    return ids


@dataclass(frozen=True)
class PollTarget:
    attempt_id: int
    task_id: int
    campaign_id: int
    kind: str
    token: str
    centre_ref: str | None
    placed_at: datetime
    answered_at: datetime | None
    poll_deadline: datetime | None
    ivr_max_seconds: int
    servicetype: str


def poll_targets(engine: Engine, attempt_ids: Sequence[int]) -> list[PollTarget]:
    with engine.connect() as conn:
        rows = conn.execute(
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
            .where(_attempt.c.id.in_(attempt_ids), _attempt.c.state == "placed")
        ).all()
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


def reschedule_poll(
    engine: Engine, attempt_id: int, now: datetime, interval_s: float, answered: bool = False
) -> None:
    """Not final yet: poll again later (and remember when the callee answered)."""
    values: dict[str, Any] = {"next_poll_at": now + timedelta(seconds=interval_s)}
    with engine.begin() as conn:
        if answered:
            conn.execute(
                update(_attempt)
                .where(_attempt.c.id == attempt_id, _attempt.c.answered_at.is_(None))
                .values(answered_at=now)
            )
        conn.execute(
            update(_attempt).where(_attempt.c.id == attempt_id, _attempt.c.state == "placed").values(**values)
        )


def finish_attempt(
    engine: Engine,
    attempt_id: int,
    now: datetime,
    *,
    outcome: str,
    centre_state: int | None,
    keys: dict[str, str] | None,
    attempt_state: str = "final",
) -> TaskDecision | None:
    """Record the attempt's outcome (CAS placed→final/unknown) and move its task per the policy."""
    with engine.begin() as conn:
        row = conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state == "placed")
            .values(
                state=attempt_state,
                outcome=outcome,
                centre_state=centre_state,
                keys=keys or None,
                finished_at=now,
                next_poll_at=None,
                code=None,  # a captcha code is kept only while the call may still need it
            )
            .returning(_attempt.c.task_id, _attempt.c.campaign_id, _attempt.c.answered_at)
        ).first()
        if row is None:
            return None
        if outcome == "answered" and row.answered_at is None:
            conn.execute(update(_attempt).where(_attempt.c.id == attempt_id).values(answered_at=now))
        task = dict(conn.execute(select(_task).where(_task.c.id == row.task_id)).one()._mapping)
        campaign = dict(
            conn.execute(select(_campaign).where(_campaign.c.id == row.campaign_id)).one()._mapping
        )
        recent: list[datetime] = []
        if campaign.get("cap_count") and campaign.get("cap_period_s"):
            since = now - timedelta(seconds=int(campaign["cap_period_s"]))
            recent = [
                t
                for t in conn.scalars(
                    select(_attempt.c.placed_at).where(
                        _attempt.c.phone == task["phone"], _attempt.c.placed_at >= since
                    )
                )
                if t is not None
            ]
        decision = decide_task(campaign, task, outcome, now, recent)
        values: dict[str, Any] = {
            "state": decision.state,
            "last_outcome": outcome,
            "updated_at": now,
            "next_attempt_at": decision.next_attempt_at,
        }
        if keys:
            values["keys"] = keys
        if decision.state != "pending":
            values["final_at"] = now
        conn.execute(
            update(_task).where(_task.c.id == row.task_id, _task.c.state == "in_flight").values(**values)
        )
    return decision
