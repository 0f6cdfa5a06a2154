"""Who a campaign calls: contacts chosen by import batch, tag, product or all, one task each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Engine, and_, case, exists, func, insert, literal, select, true, union
from sqlalchemy.sql.elements import ColumnElement

from batch_dialer.campaigns.attempt_states import TaskState
from batch_dialer.campaigns.models import (
    CallTask,
    Contact,
    ContactTag,
    DoNotCall,
    ImportBatchContact,
    Opportunity,
    table_of,
)

__all__ = ["Audience", "TaskCreation", "batch_members", "create_tasks"]

_task = table_of(CallTask)
_contact = table_of(Contact)
_created_by = _contact.alias("created_by")  # the contact table again, inside batch_members
_tag = table_of(ContactTag)
_member = table_of(ImportBatchContact)
_opp = table_of(Opportunity)
_dnc = table_of(DoNotCall)


@dataclass(frozen=True)
class Audience:
    """Filters combine with AND across kinds and OR within one kind (`--batch 1 --batch 2 --tag vip`)."""

    batches: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    everyone: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Audience:
        data = data or {}
        return cls(
            batches=tuple(int(b) for b in data.get("batches", ())),
            tags=tuple(str(t) for t in data.get("tags", ())),
            products=tuple(str(p) for p in data.get("products", ())),
            everyone=bool(data.get("all", False)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "batches": list(self.batches),
            "tags": list(self.tags),
            "products": list(self.products),
            "all": self.everyone,
        }

    @property
    def is_empty(self) -> bool:
        return not (self.everyone or self.batches or self.tags or self.products)

    def where(self) -> ColumnElement[bool]:
        """The condition on the contact table that selects this audience."""
        conditions: list[ColumnElement[bool]] = []
        if self.batches:
            conditions.append(_contact.c.id.in_(batch_members(self.batches)))
        if self.tags:
            conditions.append(exists().where(_tag.c.contact_id == _contact.c.id, _tag.c.tag.in_(self.tags)))
        if self.products:
            conditions.append(
                exists().where(_opp.c.contact_id == _contact.c.id, _opp.c.product.in_(self.products))
            )
        return and_(true(), *conditions)


def batch_members(batches: Sequence[int]) -> CompoundSelect[tuple[int]]:
    """Ids of the contacts in these import batches: those a batch created (`first_batch_id`) and
    those it updated (a link row; older databases also have link rows for created ones).

    An id list rather than OR-ed conditions, so both halves use their index."""
    created = select(_created_by.c.id).where(_created_by.c.first_batch_id.in_(batches))
    updated = select(_member.c.contact_id).where(_member.c.batch_id.in_(batches))
    return union(created, updated)


@dataclass(frozen=True)
class TaskCreation:
    created: int
    dnc: int
    total: int


def create_tasks(engine: Engine, campaign_id: int, audience: Audience, now: datetime) -> TaskCreation:
    """Create the missing tasks in one INSERT … SELECT; re-running adds only new contacts.

    Contacts on the do-not-call list get a task in state `dnc` so reports can count them.
    """
    if audience.is_empty:
        raise ValueError("the audience is empty: give --batch, --tag, --product or --all")
    on_dnc = exists().where(_dnc.c.phone == _contact.c.phone)
    already = exists().where(_task.c.campaign_id == campaign_id, _task.c.contact_id == _contact.c.id)
    source = select(
        literal(campaign_id),
        _contact.c.id,
        _contact.c.phone,
        case((on_dnc, TaskState.DNC.value), else_=TaskState.PENDING.value),
        case((on_dnc, now), else_=None),
        literal(now),
        literal(now),
    ).where(audience.where(), ~already)
    columns = ["campaign_id", "contact_id", "phone", "state", "final_at", "created_at", "updated_at"]
    with engine.begin() as conn:
        result = conn.execute(insert(_task).from_select(columns, source))
        created = int(result.rowcount or 0)
        counts: dict[str, int] = dict(
            conn.execute(
                select(_task.c.state, func.count())
                .where(_task.c.campaign_id == campaign_id)
                .group_by(_task.c.state)
            ).all()
        )
    return TaskCreation(created=created, dnc=int(counts.get("dnc", 0)), total=int(sum(counts.values())))
