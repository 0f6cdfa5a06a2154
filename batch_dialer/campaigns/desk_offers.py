"""Pacing by people: a due contact is offered to one signed-in agent at a time, held by a lease.

An offer is a compare-and-set ``pending → in_flight`` of the task plus a ``queued`` attempt and a
``desk_call`` row naming the agent and the lease. The desk's heartbeat renews the lease; when it runs
out (the tab was closed, the network went away) the next sweep gives the contact back: an offer that
was never dialled is abandoned (not an attempt) and the task is due again at once; a dialled call whose
agent vanished is finished as the phone bar last reported it (``answered`` after onCalleeAnswer, else
``unknown``) through the campaign's outcome policy.

Audience, calling windows, DNC and the per-number cap are checked at offer time, as the robots' claim does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from batch_dialer.campaigns.attempt_endings import finish_attempt
from batch_dialer.campaigns.attempt_states import Outcome, check_attempt_transition, check_transition
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.claiming import make_token
from batch_dialer.campaigns.desk_models import CampaignAgent, CtiAgent, DeskCall, DeskReservation
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, DoNotCall, table_of
from batch_dialer.campaigns.task_decision import calling_window_of

__all__ = [
    "PREVIEW_KIND",
    "Offer",
    "heartbeat",
    "held_offer",
    "offer_next",
    "release_undialled",
    "skip_offer",
    "sweep_expired",
]

PREVIEW_KIND = "preview"
check_transition("pending", "in_flight")  # the offer's move
check_transition("in_flight", "pending")  # skip / lease expired before dialling
check_attempt_transition("queued", "abandoned")  # an offer released before 拨打

_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
_campaign = table_of(Campaign)
_dnc = table_of(DoNotCall)
_desk = table_of(DeskCall)
_assign = table_of(CampaignAgent)
_agent = table_of(CtiAgent)
_reservation = table_of(DeskReservation)
_CANDIDATES = 20


@dataclass(frozen=True)
class Offer:
    """A contact on an agent's desk: its attempt and campaign ids (what the page posts back)."""

    attempt_id: int
    task_id: int
    campaign_id: int
    lease_until: datetime
    callback: bool  # a 约定回拨 reserved for this agent


def sweep_expired(engine: Engine, now: datetime) -> int:
    """Give back every desk offer whose lease ran out; returns how many were released."""
    with engine.connect() as conn:
        expired = conn.execute(
            select(_desk.c.attempt_id, _attempt.c.state, _desk.c.callee_answered_at)
            .join(_attempt, _attempt.c.id == _desk.c.attempt_id)
            .where(_desk.c.disposed_at.is_(None), _desk.c.lease_until.is_not(None), _desk.c.lease_until < now)
        ).all()
    released = 0
    for row in expired:
        if row.state == "placed":  # the attempt first: a crash in between leaves the lease to sweep again
            outcome = Outcome.ANSWERED if row.callee_answered_at is not None else Outcome.UNKNOWN
            finish_attempt(engine, row.attempt_id, now, outcome=outcome, centre_state=None, keys=None)
        with engine.begin() as conn:
            gone = conn.execute(
                update(_desk)
                .where(
                    _desk.c.attempt_id == row.attempt_id,
                    _desk.c.disposed_at.is_(None),
                    _desk.c.lease_until < now,
                )
                .values(lease_until=None, released_reason="lease_expired", disposed_at=now)
            ).rowcount
            if gone and row.state in ("queued", "submitting"):
                _release(conn, row.attempt_id, now, None, "desk lease expired")
        released += int(bool(gone))
    return released


def _release(
    conn: Connection, attempt_id: int, now: datetime, retry_at: datetime | None, reason: str
) -> None:
    """The offer never reached the phone: abandon the attempt, the task is pending again (not an
    attempt). In the caller's transaction, so the desk row and the attempt move together."""
    moved = conn.execute(
        update(_attempt)
        .where(_attempt.c.id == attempt_id, _attempt.c.state.in_(("queued", "submitting")))
        .values(state="abandoned", finished_at=now, error=reason, lease_until=None)
        .returning(_attempt.c.task_id)
    ).first()
    if moved is not None:
        conn.execute(
            update(_task)
            .where(_task.c.id == moved.task_id, _task.c.state == "in_flight")
            .values(state="pending", next_attempt_at=retry_at, updated_at=now)
        )


def heartbeat(engine: Engine, agent_id: int, now: datetime, lease_s: float) -> int:
    """The desk is still open: renew this agent's leases; returns how many offers it holds."""
    with engine.begin() as conn:
        conn.execute(update(_agent).where(_agent.c.user_id == agent_id).values(last_seen_at=now))
        return int(
            conn.execute(
                update(_desk)
                .where(  # late but not yet swept: nobody else has it, so it stays
                    _desk.c.agent_id == agent_id,
                    _desk.c.disposed_at.is_(None),
                    _desk.c.lease_until.is_not(None),
                )
                .values(lease_until=now + timedelta(seconds=lease_s))
            ).rowcount
        )


def held_offer(conn: Connection, agent_id: int, now: datetime) -> Offer | None:
    """The offer this agent holds (one at a time), if its lease has not run out."""
    row = conn.execute(
        select(_desk.c.attempt_id, _desk.c.task_id, _desk.c.campaign_id, _desk.c.lease_until)
        .where(_desk.c.agent_id == agent_id, _desk.c.disposed_at.is_(None), _desk.c.lease_until >= now)
        .order_by(_desk.c.attempt_id)
        .limit(1)
    ).first()
    if row is None:
        return None
    reserved = conn.scalar(select(func.count()).where(_reservation.c.task_id == row.task_id))
    return Offer(row.attempt_id, row.task_id, row.campaign_id, row.lease_until, bool(reserved))


def _open_campaigns(conn: Connection, agent_id: int, now: datetime) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(_campaign)
        .join(_assign, _assign.c.campaign_id == _campaign.c.id)
        .where(
            _assign.c.user_id == agent_id,
            _campaign.c.kind == PREVIEW_KIND,
            _campaign.c.status == "running",
        )
        .order_by(_campaign.c.priority.desc(), _campaign.c.id)
    ).all()
    campaigns = [dict(r._mapping) for r in rows]
    return [
        c
        for c in campaigns
        if calling_window_of(CampaignRow.from_mapping(c)).contains(now)
        and (c.get("end_at") is None or now < c["end_at"])
    ]


def _over_cap(conn: Connection, campaign: dict[str, Any], phone: str, now: datetime) -> datetime | None:
    """When the per-number cap is reached: the moment the oldest counted call ages out."""
    count, period_s = campaign.get("cap_count"), campaign.get("cap_period_s")
    if not count or not period_s:
        return None
    period = timedelta(seconds=int(period_s))
    placed: list[datetime] = sorted(
        t
        for t in conn.scalars(
            select(_attempt.c.placed_at).where(
                _attempt.c.phone == phone, _attempt.c.placed_at >= now - period
            )
        )
        if t is not None
    )
    if len(placed) < int(count):
        return None
    return placed[len(placed) - int(count)] + period


def _candidate(conn: Connection, campaign_id: int, agent_id: int, now: datetime) -> Any:
    """The first due task this agent may get, locked (one row: another desk skips it and takes the
    next, instead of finding a whole page of candidates locked)."""
    mine = and_(_reservation.c.agent_id == agent_id, _reservation.c.due_at <= now)
    return conn.execute(
        select(_task.c.id, _task.c.phone, _task.c.claims, _reservation.c.agent_id.label("reserved_for"))
        .outerjoin(_reservation, _reservation.c.task_id == _task.c.id)
        .where(
            _task.c.campaign_id == campaign_id,
            _task.c.state == "pending",
            or_(_task.c.next_attempt_at.is_(None), _task.c.next_attempt_at <= now),
            or_(_reservation.c.task_id.is_(None), mine),
        )
        .order_by(
            _reservation.c.agent_id.is_(None),  # this agent's callbacks first
            _task.c.next_attempt_at.asc().nulls_first(),
            _task.c.id,
        )
        .limit(1)
        .with_for_update(skip_locked=True, of=_task)
    ).first()


def _take(
    conn: Connection, campaign: dict[str, Any], row: Any, agent_id: int, now: datetime, lease_s: float
) -> Offer | None:
    """Try to put one candidate task on the agent's desk (compare-and-set); None if it cannot be."""
    if conn.scalar(select(func.count()).where(_dnc.c.phone == row.phone)):
        conn.execute(
            update(_task)
            .where(_task.c.id == row.id, _task.c.state == "pending")
            .values(state="dnc", final_at=now, updated_at=now)
        )
        return None
    release = _over_cap(conn, campaign, row.phone, now)
    if release is not None:
        conn.execute(
            update(_task)
            .where(_task.c.id == row.id, _task.c.state == "pending")
            .values(next_attempt_at=release, updated_at=now)
        )
        return None
    claimed = conn.execute(
        update(_task)
        .where(_task.c.id == row.id, _task.c.state == "pending")
        .values(state="in_flight", claims=_task.c.claims + 1, updated_at=now)
        .returning(_task.c.claims)
    ).first()
    if claimed is None:
        return None  # another agent's offer got it first
    attempt_id = conn.execute(
        insert(_attempt)
        .values(
            task_id=row.id,
            campaign_id=campaign["id"],
            attempt_no=claimed.claims,
            phone=row.phone,
            token=make_token(campaign["id"], campaign["token_salt"], row.id, claimed.claims),
            state="queued",
            claimed_at=now,
            lease_until=None,  # never picked up by the robots' lost-claim recovery
        )
        .returning(_attempt.c.id)
    ).scalar_one()
    lease_until = now + timedelta(seconds=lease_s)
    conn.execute(
        insert(_desk).values(
            attempt_id=attempt_id,
            campaign_id=campaign["id"],
            task_id=row.id,
            agent_id=agent_id,
            offered_at=now,
            lease_until=lease_until,
        )
    )
    return Offer(attempt_id, row.id, campaign["id"], lease_until, row.reserved_for == agent_id)


def offer_next(engine: Engine, agent_id: int, now: datetime, lease_s: float) -> Offer | None:
    """The contact this agent holds, or the next due one of its campaigns (None: nothing to do now)."""
    sweep_expired(engine, now)
    with engine.begin() as conn:
        held = held_offer(conn, agent_id, now)
        if held is not None:
            return held
        for campaign in _open_campaigns(conn, agent_id, now):
            # a candidate refused for DNC or the cap is moved out of the due set, so the next look
            # finds the next one; bounded, so one request never walks a whole list of blocked numbers
            for _ in range(_CANDIDATES):
                row = _candidate(conn, campaign["id"], agent_id, now)
                if row is None:
                    break
                offer = _take(conn, campaign, row, agent_id, now, lease_s)
                if offer is not None:
                    return offer
    return None


def skip_offer(engine: Engine, agent_id: int, attempt_id: int, now: datetime) -> bool:
    """跳过: the contact goes back to the queue (behind the ones already due); not an attempt.

    A skipped 约定回拨 is no longer reserved: any agent of the campaign may get it.
    """
    with engine.begin() as conn:
        row = conn.execute(
            update(_desk)
            .where(
                _desk.c.attempt_id == attempt_id,
                _desk.c.agent_id == agent_id,
                _desk.c.disposed_at.is_(None),
                _desk.c.dialled_at.is_(None),
            )
            .values(lease_until=None, released_reason="skipped", disposed_at=now, disposition="skipped")
            .returning(_desk.c.task_id)
        ).first()
        if row is None:
            return False
        conn.execute(delete(_reservation).where(_reservation.c.task_id == row.task_id))
        _release(conn, attempt_id, now, now, "skipped on the desk")
    return True


def release_undialled(engine: Engine, agent_id: int, now: datetime) -> int:
    """The agent went to 小休 or signed out: an offer not dialled yet goes back to the front of the
    queue at once (a 约定回拨 stays reserved for this agent); returns how many were released."""
    with engine.begin() as conn:
        rows = conn.execute(
            update(_desk)
            .where(_desk.c.agent_id == agent_id, _desk.c.disposed_at.is_(None), _desk.c.dialled_at.is_(None))
            .values(lease_until=None, released_reason="agent_away", disposed_at=now)
            .returning(_desk.c.attempt_id)
        ).all()
        for row in rows:
            _release(conn, row.attempt_id, now, None, "agent went away from the desk")
    return len(rows)
