"""The submission moves of attempts, several at a time: queued → submitting (loading what placing needs)
and submitting → placed.

A placement message carries several claimed attempts. Each is still its own compare-and-set (a
redelivered message finds them moved and skips them), but the attempts of one message share one
transaction at each end: four calls cost two commits, not eight, and their campaign is read once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, select, update

from batch_dialer.campaigns.attempt_states import AttemptState, check_attempt_transition
from batch_dialer.campaigns.campaign_row import CampaignRow, labelled_campaign_columns
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

__all__ = [
    "Placed",
    "begin_submit",
    "begin_submits",
    "contact_fields",
    "mark_placed",
    "remember_code",
    "renew_submit_lease",
]

_attempt = table_of(CallAttempt)
_task = table_of(CallTask)
_contact = table_of(Contact)
_opp = table_of(Opportunity)
_dnc = table_of(DoNotCall)
_campaign = table_of(Campaign)

_QUEUED, _SUBMITTING = AttemptState.QUEUED.value, AttemptState.SUBMITTING.value

# built once: building a statement costs more than running it, and these run for every message
_BEGIN = (
    update(_attempt)
    .where(_attempt.c.id.in_(bindparam("ids", expanding=True)), _attempt.c.state == _QUEUED)
    .values(state=_SUBMITTING, lease_until=bindparam("lease_until", type_=_attempt.c.lease_until.type))
    .returning(_attempt.c.id)
)
_CAMPAIGN_ = "campaign__"
# the attempts with their task's contact, their campaign and whether the number is on the do-not-call
# list: one statement where four were
_JOBS = (
    select(
        _attempt,
        _task.c.contact_id,
        _dnc.c.phone.label("dnc_phone"),
        _contact.c.name.label("contact_name"),
        _contact.c.company.label("contact_company"),
        _contact.c.phone.label("contact_phone"),
        _contact.c.extra.label("contact_extra"),
        *labelled_campaign_columns(_CAMPAIGN_),
    )
    .join(_task, _task.c.id == _attempt.c.task_id)
    .join(_contact, _contact.c.id == _task.c.contact_id)
    .join(_campaign, _campaign.c.id == _attempt.c.campaign_id)
    .outerjoin(_dnc, _dnc.c.phone == _attempt.c.phone)
    .where(_attempt.c.id.in_(bindparam("ids", expanding=True)))
)
_OPPORTUNITIES = (
    select(_opp.c.contact_id, _opp.c.product, _opp.c.comment, _opp.c.qq)
    .where(_opp.c.contact_id.in_(bindparam("ids", expanding=True)))
    .order_by(_opp.c.id)
)


def _at(name: str) -> Any:
    return bindparam(name, type_=_attempt.c.placed_at.type)


_PLACED = (
    update(_attempt)
    .where(_attempt.c.id.in_(bindparam("ids", expanding=True)), _attempt.c.state == _SUBMITTING)
    .values(
        state=AttemptState.PLACED.value,
        placed_at=_at("now"),
        next_poll_at=_at("next_poll_at"),
        poll_deadline=_at("poll_deadline"),
        lease_until=None,
        centre_ref=bindparam("centre_ref", type_=_attempt.c.centre_ref.type),
    )
    .returning(_attempt.c.id, _attempt.c.task_id)
)
_COUNT_ATTEMPTS = (
    update(_task)
    .where(_task.c.id.in_(bindparam("task_ids", expanding=True)))
    .values(attempts=_task.c.attempts + 1, updated_at=bindparam("now", type_=_task.c.updated_at.type))
)

#: (the job the centre accepted, the centre's own reference for it if it gave one)
Placed = tuple[DialJob, str | None]


def begin_submits(
    engine: Engine, attempt_ids: Collection[int], now: datetime, lease_s: float
) -> dict[int, DialJob]:
    """Mark the attempts as being submitted (compare-and-set each) and load what placing them needs.

    An attempt another delivery already moved on is left out. One found in `submitting` whose lease ran
    out is handed out again as a resubmission: its earlier submission may have reached the centre, so
    the kind looks for it there first.
    """
    if not attempt_ids:
        return {}
    check_attempt_transition(AttemptState.QUEUED, AttemptState.SUBMITTING)
    lease_until = now + timedelta(seconds=lease_s)
    with engine.begin() as conn:
        moved = set(conn.scalars(_BEGIN, {"ids": list(attempt_ids), "lease_until": lease_until}))
        resubmitted = {
            i for i in attempt_ids if i not in moved and renew_submit_lease(conn, i, now, lease_until)
        }
        if not moved and not resubmitted:
            return {}
        rows = conn.execute(_JOBS, {"ids": list(moved | resubmitted)}).all()
        campaigns = {r.campaign_id: CampaignRow.from_mapping(r._mapping, _CAMPAIGN_) for r in rows}
        people = {
            r.contact_id: _Contact(r.contact_name, r.contact_company, r.contact_phone, r.contact_extra)
            for r in rows
        }
        contacts = contact_fields(conn, [(r.contact_id, campaigns[r.campaign_id]) for r in rows], people)
    return {
        r.id: DialJob(
            attempt_id=r.id,
            task_id=r.task_id,
            campaign_id=r.campaign_id,
            token=r.token,
            phone=r.phone,
            attempt_no=r.attempt_no,
            resubmission=r.id in resubmitted,
            campaign=campaigns[r.campaign_id],
            contact=contacts[(r.contact_id, r.campaign_id)],
            code=r.code,
            on_dnc=r.dnc_phone is not None,
        )
        for r in rows
    }


def begin_submit(engine: Engine, attempt_id: int, now: datetime, lease_s: float) -> DialJob | None:
    """:func:`begin_submits` for one attempt; None when another delivery already moved it on."""
    return begin_submits(engine, [attempt_id], now, lease_s).get(attempt_id)


def renew_submit_lease(conn: Connection, attempt_id: int, now: datetime, lease_until: datetime) -> bool:
    """Take over a `submitting` attempt whose lease ran out (not a state change: the lease only)."""
    return bool(
        conn.execute(
            update(_attempt)
            .where(
                _attempt.c.id == attempt_id,
                _attempt.c.state == _SUBMITTING,
                _attempt.c.lease_until <= now,
            )
            .values(lease_until=lease_until)
        ).rowcount
    )


class _Contact(NamedTuple):
    name: str | None
    company: str | None
    phone: str
    extra: dict[str, Any] | None


def contact_fields(
    conn: Connection, wanted: Sequence[tuple[int, CampaignRow]], contacts: Mapping[int, _Contact]
) -> dict[tuple[int, int], dict[str, Any]]:
    """Each (contact, campaign) as the campaign's placeholders see the contact: name, company, phone,
    product and every extra column; the product is the contact's first opportunity among the
    campaign's products (any product when the campaign names none). ``contacts``: as read with the jobs."""
    opportunities: defaultdict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(_OPPORTUNITIES, {"ids": list({cid for cid, _ in wanted})}):
        opportunities[row.contact_id].append(row)
    fields: dict[tuple[int, int], dict[str, Any]] = {}
    for contact_id, campaign in wanted:
        contact = contacts[contact_id]
        products = (campaign.audience or {}).get("products") or []
        opp = next((o for o in opportunities[contact_id] if not products or o.product in products), None)
        one: dict[str, Any] = dict(contact.extra or {})
        one.update(
            name=contact.name or "",
            company=contact.company or "",
            phone=contact.phone,
            product=opp.product if opp else "",
            comment=(opp.comment or "") if opp else "",
            qq=(opp.qq or "") if opp else "",
        )
        fields[(contact_id, campaign.id)] = one
    return fields


def remember_code(engine: Engine, attempt_id: int, code: str) -> str:
    """Store the attempt's captcha code once; a resubmission reads back the first one stored."""
    with engine.begin() as conn:
        conn.execute(
            update(_attempt).where(_attempt.c.id == attempt_id, _attempt.c.code.is_(None)).values(code=code)
        )
        stored = conn.scalar(select(_attempt.c.code).where(_attempt.c.id == attempt_id))
    return str(stored or code)


def mark_placed(engine: Engine, placed: Sequence[Placed], now: datetime, poll_interval_s: float) -> set[int]:
    """The centre accepted these calls (or knew them already): count each as a real placement, in one
    transaction; returns the attempts that moved (a redelivery may have moved one first)."""
    if not placed:
        return set()
    check_attempt_transition(AttemptState.SUBMITTING, AttemptState.PLACED)
    # one statement per (deadline, centre reference): one for a message of one campaign's TTS calls
    groups: defaultdict[tuple[int, str | None], list[int]] = defaultdict(list)
    for job, centre_ref in placed:
        groups[(job.campaign.result_deadline_s, centre_ref)].append(job.attempt_id)
    moved: dict[int, int] = {}
    next_poll_at = now + timedelta(seconds=poll_interval_s)
    with engine.begin() as conn:
        for (deadline_s, centre_ref), ids in groups.items():
            rows = conn.execute(
                _PLACED,
                {
                    "ids": ids,
                    "now": now,
                    "next_poll_at": next_poll_at,
                    "poll_deadline": now + timedelta(seconds=float(deadline_s)),
                    "centre_ref": centre_ref,
                },
            )
            moved.update({r.id: r.task_id for r in rows})
        if moved:
            conn.execute(_COUNT_ATTEMPTS, {"task_ids": list(moved.values()), "now": now})
    return set(moved)
