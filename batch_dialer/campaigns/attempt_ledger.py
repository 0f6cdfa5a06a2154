"""Every state change of an attempt and its task, each a compare-and-set in one transaction.

A redelivered or duplicated message finds the row already moved and does nothing, which is
what makes "each call placed exactly once" hold through crashes and retries. Every move goes through
``_move_attempt`` / ``_move_task``, which consult the transition tables in ``attempt_states`` first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from batch_dialer.campaigns.attempt_states import (
    AttemptState,
    Outcome,
    TaskState,
    check_attempt_transition,
    check_transition,
)
from batch_dialer.campaigns.audit_trail import record_in
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.kinds.base import DialJob
from batch_dialer.campaigns.models import (
    CallAttempt,
    CallTask,
    Campaign,
    Contact,
    DoNotCall,
    Opportunity,
    table_of,
)
from batch_dialer.campaigns.opt_out import opted_out, record_opt_out
from batch_dialer.campaigns.task_decision import TaskDecision, decide_task

__all__ = [
    "DialJob",
    "begin_submit",
    "finish_attempt",
    "finish_attempt_in",
    "load_campaign",
    "mark_placed",
    "recent_rejections",
    "reject_attempt",
    "release_attempt",
    "remember_code",
    "renew_submit_lease",
]

_attempt = table_of(CallAttempt)
_task = table_of(CallTask)
_campaign = table_of(Campaign)
_contact = table_of(Contact)
_opp = table_of(Opportunity)
_dnc = table_of(DoNotCall)


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


def load_campaign(conn: Connection, campaign_id: int) -> CampaignRow:
    return CampaignRow.from_mapping(
        conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).one()._mapping
    )


def begin_submit(engine: Engine, attempt_id: int, now: datetime, lease_s: float) -> DialJob | None:
    """Mark the attempt as being submitted (CAS) and load what placing it needs.

    Returns None when another delivery already moved it on. An attempt found in `submitting`
    whose lease ran out is handed out again as a resubmission: its earlier submission may have
    reached the centre, so the kind looks for it there first.
    """
    lease_until = now + timedelta(seconds=lease_s)
    with engine.begin() as conn:
        resubmission = False
        moved = _move_attempt(
            conn, attempt_id, [AttemptState.QUEUED], AttemptState.SUBMITTING, {"lease_until": lease_until}
        )
        if moved is None:
            resubmission = renew_submit_lease(conn, attempt_id, now, lease_until)
            if not resubmission:
                return None
        row = conn.execute(
            select(_attempt, _task.c.contact_id, _dnc.c.phone.label("dnc_phone"))
            .join(_task, _task.c.id == _attempt.c.task_id)
            .outerjoin(_dnc, _dnc.c.phone == _attempt.c.phone)
            .where(_attempt.c.id == attempt_id)
        ).one()
        campaign = load_campaign(conn, row.campaign_id)
        contact = _contact_fields(conn, row.contact_id, campaign)
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
        on_dnc=row.dnc_phone is not None,
    )


def renew_submit_lease(conn: Connection, attempt_id: int, now: datetime, lease_until: datetime) -> bool:
    """Take over a `submitting` attempt whose lease ran out (not a state change: the lease only)."""
    return bool(
        conn.execute(
            update(_attempt)
            .where(
                _attempt.c.id == attempt_id,
                _attempt.c.state == AttemptState.SUBMITTING.value,
                _attempt.c.lease_until <= now,
            )
            .values(lease_until=lease_until)
        ).rowcount
    )


def _contact_fields(conn: Connection, contact_id: int, campaign: CampaignRow) -> dict[str, Any]:
    """The contact as placeholders see it: name, company, phone, product and every extra column."""
    contact = conn.execute(select(_contact).where(_contact.c.id == contact_id)).one()
    products = (campaign.audience or {}).get("products") or []
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


def remember_code(engine: Engine, attempt_id: int, code: str) -> str:
    """Store the attempt's captcha code once; a resubmission reads back the first one stored."""
    with engine.begin() as conn:
        conn.execute(
            update(_attempt).where(_attempt.c.id == attempt_id, _attempt.c.code.is_(None)).values(code=code)
        )
        stored = conn.scalar(select(_attempt.c.code).where(_attempt.c.id == attempt_id))
    return str(stored or code)


def mark_placed(
    engine: Engine,
    attempt_id: int,
    now: datetime,
    poll_interval_s: float,
    result_deadline_s: float,
    centre_ref: str | None = None,
) -> bool:
    """The centre accepted the call (or knew it already): count it as a real placement."""
    with engine.begin() as conn:
        moved = _move_attempt(
            conn,
            attempt_id,
            [AttemptState.SUBMITTING],
            AttemptState.PLACED,
            {
                "placed_at": now,
                "next_poll_at": now + timedelta(seconds=poll_interval_s),
                "poll_deadline": now + timedelta(seconds=result_deadline_s),
                "lease_until": None,
                "centre_ref": centre_ref,
            },
        )
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
    campaigns: dict[int, CampaignRow] | None = None,
) -> TaskDecision | None:
    """In the caller's transaction: record the attempt's outcome (CAS placed→final/unknown) and move its
    task per the policy.

    ``dials``: how often the centre dialled for this attempt; the extra ones count as the task's
    attempts and toward the per-number cap like placements of our own. ``campaigns``: rows already
    loaded in this transaction (a poll batch finishes many attempts of few campaigns).
    """
    dials = max(1, dials)
    row = _move_attempt(
        conn,
        attempt_id,
        [AttemptState.PLACED],
        attempt_state,
        {
            "outcome": outcome.value,
            "centre_state": centre_state,
            "keys": keys or None,
            "finished_at": now,
            "next_poll_at": None,
            "dials": dials,
            "code": None,  # a captcha code is kept only while the call may still need it
        },
    )
    if row is None:
        return None
    if outcome is Outcome.ANSWERED and row.answered_at is None:
        conn.execute(update(_attempt).where(_attempt.c.id == attempt_id).values(answered_at=now))
    if dials > 1:
        conn.execute(
            update(_task).where(_task.c.id == row.task_id).values(attempts=_task.c.attempts + (dials - 1))
        )
    task = dict(conn.execute(select(_task).where(_task.c.id == row.task_id)).one()._mapping)
    campaign = (campaigns or {}).get(row.campaign_id) or load_campaign(conn, row.campaign_id)
    if campaigns is not None:
        campaigns[campaign.id] = campaign
    recent: list[datetime] = []
    if campaign.cap_count and campaign.cap_period_s:
        since = now - timedelta(seconds=int(campaign.cap_period_s))
        recent = [
            placed_at
            for placed_at, n in conn.execute(
                select(_attempt.c.placed_at, _attempt.c.dials).where(
                    _attempt.c.phone == task["phone"], _attempt.c.placed_at >= since
                )
            )
            if placed_at is not None
            for _ in range(max(1, n or 1))
        ]
    decision = decide_task(campaign, task, outcome, now, recent)
    if opted_out(keys, campaign.settings.get("optout_key")):
        record_opt_out(conn, task["phone"], campaign.id, campaign.name, now)
        decision = TaskDecision(TaskState.DNC, None, "opt-out key pressed")
    record_in(
        conn,
        "engine",
        "dial",
        campaign_id=campaign.id,
        phone=task["phone"],
        detail={"outcome": outcome.value},
        at=now,
    )
    values: dict[str, Any] = {
        "last_outcome": outcome.value,
        "updated_at": now,
        "next_attempt_at": decision.next_attempt_at,
    }
    if keys:
        values["keys"] = keys
    _move_task(conn, row.task_id, TaskState.IN_FLIGHT, decision.state, values)
    return decision
