"""The 明细 (per-number detail) of one campaign: every contact with its attempts, filtered by final
outcome (the reports' own definition, reports/task_outcome.py) and by next retry, searched by name or
number, a page at a time; phone numbers masked unless the reader is a manager."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Select, Table, func, or_, select

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.models import CallAttempt, CallTask, Contact, table_of
from batch_dialer.reports.labels import outcome_label
from batch_dialer.reports.task_outcome import final_outcome_expr

__all__ = ["PAGE_ROWS", "AttemptLine", "ContactLine", "DetailFilter", "detail_page", "export_lines"]

PAGE_ROWS = 100
_TASK: Table = table_of(CallTask)
_ATTEMPT: Table = table_of(CallAttempt)
_CONTACT: Table = table_of(Contact)
RetryFilter = Literal["", "waiting", "due", "none"]


@dataclass(frozen=True)
class DetailFilter:
    """``outcome``: a final outcome (reports' codes); ``retry``: waiting = a retry is scheduled after
    now, due = may be dialled now, none = nothing left to dial; ``q``: part of a name or number."""

    outcome: str = ""
    retry: str = ""
    q: str = ""


@dataclass(frozen=True)
class AttemptLine:
    attempt_no: int
    placed_at: datetime | None
    outcome: str  # label
    keys: str
    seconds: int | None  # answered → finished, the time the callee listened


@dataclass
class ContactLine:
    task_id: int
    contact_id: int
    name: str
    phone: str
    outcome: str  # code
    outcome_label: str
    attempts: int
    next_attempt_at: datetime | None
    keys: str
    history: list[AttemptLine] = field(default_factory=list)


def _keys(keys: dict[str, Any] | None) -> str:
    return " ".join(f"{var}={value}" for var, value in (keys or {}).items())


def _filtered(campaign_id: int, chosen: DetailFilter, now: datetime) -> Select[Any]:
    t = _TASK.c
    outcome = final_outcome_expr()
    stmt = (
        select(
            t.id,
            t.contact_id,
            _CONTACT.c.name,
            t.phone,
            outcome.label("outcome"),
            t.attempts,
            t.next_attempt_at,
            t["keys"],
        )
        .select_from(_TASK.join(_CONTACT, _CONTACT.c.id == t.contact_id))
        .where(t.campaign_id == campaign_id)
    )
    if chosen.outcome:
        stmt = stmt.where(outcome == chosen.outcome)
    open_task = t.state.in_(("pending", "in_flight"))
    if chosen.retry == "waiting":
        stmt = stmt.where(t.state == "pending", t.next_attempt_at > now)
    elif chosen.retry == "due":
        stmt = stmt.where(t.state == "pending", or_(t.next_attempt_at.is_(None), t.next_attempt_at <= now))
    elif chosen.retry == "none":
        stmt = stmt.where(~open_task)
    text = chosen.q.strip()
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        conditions = [_CONTACT.c.name.contains(text, autoescape=True)]
        if len(digits) >= 3:
            conditions.append(t.phone.contains(digits))
        stmt = stmt.where(or_(*conditions))
    return stmt


def _line(row: Any, unmasked: bool) -> ContactLine:
    return ContactLine(
        task_id=row.id,
        contact_id=row.contact_id,
        name=row.name or "",
        phone=row.phone if unmasked else mask_phone(row.phone),
        outcome=row.outcome,
        outcome_label=outcome_label(row.outcome),
        attempts=int(row.attempts),
        next_attempt_at=row.next_attempt_at,
        keys=_keys(row.keys),
    )


def _attach_history(conn: Connection, lines: list[ContactLine]) -> None:
    by_task = {line.task_id: line for line in lines}
    if not by_task:
        return
    a = _ATTEMPT.c
    rows = conn.execute(
        select(
            a.task_id, a.attempt_no, a.placed_at, a.outcome, a.state, a["keys"], a.answered_at, a.finished_at
        )
        .where(a.task_id.in_(list(by_task)))
        .order_by(a.task_id, a.attempt_no)
    )
    for row in rows:
        seconds = None
        if row.answered_at is not None and row.finished_at is not None:
            seconds = max(0, int((row.finished_at - row.answered_at).total_seconds()))
        by_task[row.task_id].history.append(
            AttemptLine(
                attempt_no=row.attempt_no,
                placed_at=row.placed_at,
                outcome=outcome_label(row.outcome) if row.outcome else "等待结果",
                keys=_keys(row.keys),
                seconds=seconds,
            )
        )


def detail_page(
    conn: Connection,
    campaign_id: int,
    chosen: DetailFilter,
    now: datetime,
    *,
    unmasked: bool,
    page: int = 1,
) -> tuple[list[ContactLine], int]:
    """One page of contacts (with their attempts) and how many match the filter in all."""
    stmt = _filtered(campaign_id, chosen, now)
    total = int(conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = conn.execute(stmt.order_by(_TASK.c.id).limit(PAGE_ROWS).offset((max(page, 1) - 1) * PAGE_ROWS))
    lines = [_line(row, unmasked) for row in rows]
    _attach_history(conn, lines)
    return lines, total


def export_lines(
    conn: Connection, campaign_id: int, chosen: DetailFilter, now: datetime, *, unmasked: bool
) -> Iterator[ContactLine]:
    """Every matching contact with its attempts, a chunk at a time (for the CSV export)."""
    stmt = _filtered(campaign_id, chosen, now).order_by(_TASK.c.id)
    chunk: list[ContactLine] = []
    for row in conn.execution_options(yield_per=500).execute(stmt):
        chunk.append(_line(row, unmasked))
        if len(chunk) == 500:
            yield from _flushed(conn, chunk)
            chunk = []
    yield from _flushed(conn, chunk)


def _flushed(conn: Connection, chunk: list[ContactLine]) -> list[ContactLine]:
    _attach_history(conn, chunk)
    return chunk
