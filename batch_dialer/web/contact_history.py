"""Contacts across campaigns: search by name or number, one contact's history (every campaign it was
in, with its attempts) and its tags. Numbers masked unless the reader is a manager."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact, ContactTag, table_of
from batch_dialer.reports.labels import outcome_label
from batch_dialer.reports.task_outcome import final_outcome_expr

__all__ = [
    "CampaignHistory",
    "ContactCard",
    "add_tag",
    "contact_card",
    "remove_tag",
    "search_contacts",
]

_contact = table_of(Contact)
_tag = table_of(ContactTag)
_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
_campaign = table_of(Campaign)
SEARCH_ROWS = 100


@dataclass
class CampaignHistory:
    campaign_id: int
    campaign_name: str
    tz: str
    outcome: str  # label
    attempts: list[tuple[int, datetime | None, str]] = field(default_factory=list)  # no, placed, label


@dataclass
class ContactCard:
    id: int
    name: str
    phone: str
    company: str
    tags: list[str]
    campaigns: list[CampaignHistory]


def _shown(phone: str, unmasked: bool) -> str:
    return phone if unmasked else mask_phone(phone)


def search_contacts(
    engine: Engine, q: str, *, unmasked: bool, tag: str = ""
) -> tuple[list[dict[str, Any]], int]:
    """Contacts whose name contains ``q`` or whose number contains its digits (3 or more), or
    carrying ``tag``; the first hundred and how many match."""
    stmt = select(_contact.c.id, _contact.c.name, _contact.c.phone, _contact.c.company)
    text = q.strip()
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        conditions = [_contact.c.name.contains(text, autoescape=True)]
        if len(digits) >= 3:
            conditions.append(_contact.c.phone.contains(digits))
        stmt = stmt.where(or_(*conditions))
    if tag.strip():
        stmt = stmt.where(_contact.c.id.in_(select(_tag.c.contact_id).where(_tag.c.tag == tag.strip())))
    with engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        rows = conn.execute(stmt.order_by(_contact.c.id).limit(SEARCH_ROWS)).all()
    found = [
        {"id": r.id, "name": r.name or "", "phone": _shown(r.phone, unmasked), "company": r.company or ""}
        for r in rows
    ]
    return found, total


def contact_card(engine: Engine, contact_id: int, *, unmasked: bool) -> ContactCard | None:
    with engine.connect() as conn:
        person = conn.execute(select(_contact).where(_contact.c.id == contact_id)).first()
        if person is None:
            return None
        tags = list(
            conn.scalars(select(_tag.c.tag).where(_tag.c.contact_id == contact_id).order_by(_tag.c.tag))
        )
        tasks = conn.execute(
            select(
                _task.c.id,
                _campaign.c.id.label("cid"),
                _campaign.c.name,
                _campaign.c.tz,
                final_outcome_expr(),
            )
            .select_from(_task.join(_campaign, _campaign.c.id == _task.c.campaign_id))
            .where(_task.c.contact_id == contact_id)
            .order_by(_campaign.c.id.desc())
        ).all()
        history = {t[0]: CampaignHistory(t.cid, t.name, t.tz, outcome_label(t[4])) for t in tasks}
        if history:
            for a in conn.execute(
                select(_attempt.c.task_id, _attempt.c.attempt_no, _attempt.c.placed_at, _attempt.c.outcome)
                .where(_attempt.c.task_id.in_(list(history)))
                .order_by(_attempt.c.task_id, _attempt.c.attempt_no)
            ):
                label = outcome_label(a.outcome) if a.outcome else "等待结果"
                history[a.task_id].attempts.append((a.attempt_no, a.placed_at, label))
    return ContactCard(
        id=person.id,
        name=person.name or "",
        phone=_shown(person.phone, unmasked),
        company=person.company or "",
        tags=tags,
        campaigns=list(history.values()),
    )


def add_tag(engine: Engine, contact_id: int, tag: str) -> None:
    tag = tag.strip()
    if not tag or len(tag) > 100:
        raise ValueError("标签：请填写 1 到 100 个字")
    with engine.begin() as conn:
        dialect_insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
        conn.execute(dialect_insert(_tag).on_conflict_do_nothing(), [{"contact_id": contact_id, "tag": tag}])


def remove_tag(engine: Engine, contact_id: int, tag: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(_tag).where(_tag.c.contact_id == contact_id, _tag.c.tag == tag))
