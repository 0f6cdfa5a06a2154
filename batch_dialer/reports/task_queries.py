"""GROUP BY queries over a campaign's tasks: each scans the tasks once and returns a few hundred rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Subquery, Table, case, func, literal, or_, select, union

from batch_dialer.campaigns.models import (
    CallTask,
    Contact,
    ImportBatch,
    ImportBatchContact,
    Opportunity,
    RejectedRow,
    table_of,
)
from batch_dialer.reports.satisfaction_stats import normalise_key
from batch_dialer.reports.task_outcome import final_outcome_expr, key_value_expr
from batch_dialer.reports.time_buckets import bucket_expr

__all__ = [
    "GroupKeys",
    "TaskTotals",
    "batch_groups",
    "campaign_batch_ids",
    "pending_rows",
    "product_groups",
    "rejected_count",
    "task_totals",
]

_TASK: Table = table_of(CallTask)
_OPP: Table = table_of(Opportunity)
_BATCH_CONTACT: Table = table_of(ImportBatchContact)
_BATCH: Table = table_of(ImportBatch)
_REJECTED: Table = table_of(RejectedRow)
_CONTACT: Table = table_of(Contact)
_T, _O, _IBC, _IB, _RR, _C = _TASK.c, _OPP.c, _BATCH_CONTACT.c, _BATCH.c, _REJECTED.c, _CONTACT.c


@dataclass(slots=True)
class TaskTotals:
    contacts: int = 0
    dialled: int = 0
    answered: int = 0
    keyed: int = 0
    by_outcome: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    attempts_per_contact: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    answered_keys: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def task_totals(conn: Connection, campaign_id: int, variable: str) -> TaskTotals:
    """Funnel, final outcomes, placements per contact and the key distribution in one scan."""
    outcome = final_outcome_expr().label("outcome")
    key = key_value_expr(_T["keys"], variable).label("key")
    stmt = (
        select(outcome, _T.attempts, key, func.count().label("n"))
        .where(_T.campaign_id == campaign_id)
        .group_by(outcome, _T.attempts, key)
    )
    totals = TaskTotals()
    for row in conn.execute(stmt):
        n = int(row.n)
        totals.contacts += n
        totals.by_outcome[row.outcome] += n
        totals.attempts_per_contact[int(row.attempts)] += n
        if row.attempts > 0:
            totals.dialled += n
        if row.outcome == "answered":
            totals.answered += n
            pressed = normalise_key(row.key)
            if pressed is not None:
                totals.keyed += n
                totals.answered_keys[pressed] += n
    return totals


@dataclass(frozen=True, slots=True)
class PendingRow:
    state: str
    due_now: bool
    bucket: int | None
    count: int


def pending_rows(conn: Connection, campaign_id: int, now: datetime, dialect: str) -> list[PendingRow]:
    """Pending and in-flight tasks by 15-minute bucket of when they are due (uses ix_task_due)."""
    due_now = case(
        (or_(_T.next_attempt_at.is_(None), _T.next_attempt_at <= now), literal(1)), else_=literal(0)
    ).label("due_now")
    bucket = bucket_expr(_T.next_attempt_at, dialect).label("bucket")
    stmt = (
        select(_T.state, due_now, bucket, func.count().label("n"))
        .where(_T.campaign_id == campaign_id, _T.state.in_(("pending", "in_flight")))
        .group_by(_T.state, due_now, bucket)
    )
    return [
        PendingRow(r.state, bool(r.due_now), None if r.bucket is None else int(r.bucket), int(r.n))
        for r in conn.execute(stmt)
    ]


#: (group label, contacts, answered, answered contacts per key) for one breakdown group.
GroupKeys = dict[str, tuple[int, int, dict[str, int]]]


def _collect(rows: Any) -> GroupKeys:
    acc: dict[str, list[Any]] = {}
    for row in rows:
        entry = acc.setdefault(row.grp, [0, 0, defaultdict(int)])
        n = int(row.n)
        entry[0] += n
        if row.answered:
            entry[1] += n
            pressed = normalise_key(row.key)
            if pressed is not None:
                entry[2][pressed] += n
    return {grp: (e[0], e[1], dict(e[2])) for grp, e in acc.items()}


def _answered_flag() -> Any:
    return case((_T.state == "done", literal(1)), else_=literal(0)).label("answered")


def product_groups(conn: Connection, campaign_id: int, variable: str) -> GroupKeys:
    """Per product (商机); a contact with two products counts in both, one with none under ''."""
    grp = func.coalesce(_O.product, literal("")).label("grp")
    answered = _answered_flag()
    key = key_value_expr(_T["keys"], variable).label("key")
    stmt = (
        select(grp, answered, key, func.count().label("n"))
        .select_from(_TASK.outerjoin(_OPP, _O.contact_id == _T.contact_id))
        .where(_T.campaign_id == campaign_id)
        .group_by(grp, answered, key)
    )
    return _collect(conn.execute(stmt))


def batch_groups(conn: Connection, campaign_id: int, variable: str) -> GroupKeys:
    """Per import batch ("#id file"); a contact imported by two batches counts in both."""
    answered = _answered_flag()
    key = key_value_expr(_T["keys"], variable).label("key")
    member = _campaign_batch_members(campaign_id)
    stmt = (
        select(_IB.id.label("batch_id"), _IB.file_name, answered, key, func.count().label("n"))
        .select_from(
            _TASK.outerjoin(member, member.c.contact_id == _T.contact_id).outerjoin(
                _BATCH, _IB.id == member.c.batch_id
            )
        )
        .where(_T.campaign_id == campaign_id)
        .group_by(_IB.id, _IB.file_name, answered, key)
    )
    rows = [
        _Grouped("" if r.batch_id is None else f"#{r.batch_id} {r.file_name}", r.answered, r.key, r.n)
        for r in conn.execute(stmt)
    ]
    return _collect(rows)


def _campaign_batch_members(campaign_id: int) -> Subquery:
    """(contact_id, batch_id) for this campaign's contacts: the batch that created each contact
    (`first_batch_id`) and every batch that updated it (a link row); UNION drops the pairs older
    databases hold twice (they also linked created contacts)."""
    created = (
        select(_C.id.label("contact_id"), _C.first_batch_id.label("batch_id"))
        .select_from(_TASK.join(_CONTACT, _C.id == _T.contact_id))
        .where(_T.campaign_id == campaign_id, _C.first_batch_id.is_not(None))
    )
    updated = (
        select(_IBC.contact_id, _IBC.batch_id)
        .select_from(_TASK.join(_BATCH_CONTACT, _IBC.contact_id == _T.contact_id))
        .where(_T.campaign_id == campaign_id)
    )
    return union(created, updated).subquery("member")


@dataclass(frozen=True, slots=True)
class _Grouped:
    grp: str
    answered: int
    key: Any
    n: int


def campaign_batch_ids(conn: Connection, campaign_id: int) -> list[int]:
    """The import batches that brought in (created or updated) this campaign's contacts."""
    member = _campaign_batch_members(campaign_id)
    stmt = select(member.c.batch_id).distinct()
    return sorted(int(b) for (b,) in conn.execute(stmt))


def rejected_count(conn: Connection, batch_ids: list[int]) -> int:
    if not batch_ids:
        return 0
    return int(conn.execute(select(func.count()).where(_RR.batch_id.in_(batch_ids))).scalar_one())
