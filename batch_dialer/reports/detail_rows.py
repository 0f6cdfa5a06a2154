"""Per-contact detail and rejected import rows, streamed from the database in chunks.

Both are generators over a server-side cursor (``yield_per``), so a writer holds one chunk at a time
however many contacts the campaign has.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, func, literal, select

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.models import (
    CallAttempt,
    CallTask,
    Contact,
    ImportBatch,
    Opportunity,
    RejectedRow,
    table_of,
)
from batch_dialer.reports.agent_details import agent_detail_columns
from batch_dialer.reports.agent_model import AgentDetail
from batch_dialer.reports.attempt_queries import PLACED_STATES
from batch_dialer.reports.labels import key_label, outcome_label
from batch_dialer.reports.satisfaction_stats import normalise_key
from batch_dialer.reports.summary_model import CampaignInfo
from batch_dialer.reports.task_outcome import final_outcome_expr, key_value_expr

__all__ = [
    "CHUNK_ROWS",
    "DETAIL_HEADERS",
    "REJECTED_HEADERS",
    "DetailRow",
    "detail_rows",
    "rejected_columns",
    "rejected_rows",
]

CHUNK_ROWS = 2000
DETAIL_HEADERS = (
    "姓名",
    "电话",
    "产品",
    "拨打次数",
    "最终结果",
    "按键",
    "满意度",
    "首次呼叫",
    "末次呼叫",
)
REJECTED_HEADERS = ("导入批次", "文件", "行号", "原因", "说明")  # then the original columns

_TASK: Table = table_of(CallTask)
_ATTEMPT: Table = table_of(CallAttempt)
_CONTACT: Table = table_of(Contact)
_OPP: Table = table_of(Opportunity)
_BATCH: Table = table_of(ImportBatch)
_REJECTED: Table = table_of(RejectedRow)
_DIGITS = re.compile(r"\d{7,}")


@dataclass(frozen=True, slots=True)
class DetailRow:
    name: str
    phone: str
    product: str
    attempts: int
    outcome: str  # label
    key: str
    key_label: str
    first_call: datetime | None  # naive local time (Excel has no zones)
    last_call: datetime | None
    agent: AgentDetail | None = None  # kinds with agents: agent, talk time, recording (AGENT_HEADERS)

    def values(self) -> tuple[Any, ...]:
        return (
            self.name,
            self.phone,
            self.product,
            self.attempts,
            self.outcome,
            self.key,
            self.key_label,
            self.first_call,
            self.last_call,
        ) + (self.agent.values() if self.agent else ())


def _products(dialect: str) -> Any:
    """All products of the task's contact in one cell (a correlated subquery on the contact index)."""
    agg = (
        func.group_concat(_OPP.c.product, literal("、"))
        if dialect == "sqlite"
        else func.string_agg(_OPP.c.product, literal("、"))
    )
    return select(agg).where(_OPP.c.contact_id == _TASK.c.contact_id).scalar_subquery()


def detail_rows(
    conn: Connection,
    campaign: CampaignInfo,
    variable: str,
    unmasked: bool = False,
    centre_url: str | None = None,
) -> Iterator[DetailRow]:
    """One row per contact of the campaign, in task order; kinds with agents add the agent columns
    (``detail_headers``), ``centre_url`` the recording links."""
    tz = ZoneInfo(campaign.tz)
    a = _ATTEMPT.c
    calls = (
        select(a.task_id, func.min(a.placed_at).label("first_call"), func.max(a.placed_at).label("last_call"))
        .where(a.campaign_id == campaign.id, a.state.in_(PLACED_STATES))
        .group_by(a.task_id)
        .subquery()
    )
    t = _TASK.c
    stmt = (
        select(
            _CONTACT.c.name,
            t.phone,
            _products(conn.dialect.name).label("product"),
            t.attempts,
            final_outcome_expr().label("outcome"),
            key_value_expr(t["keys"], variable).label("key"),
            calls.c.first_call,
            calls.c.last_call,
        )
        .select_from(
            _TASK.join(_CONTACT, _CONTACT.c.id == t.contact_id).outerjoin(calls, calls.c.task_id == t.id)
        )
        .where(t.campaign_id == campaign.id)
        .order_by(t.id)
    )
    stmt, agent_of = agent_detail_columns(stmt, campaign, centre_url)
    labels = campaign.key_labels
    for row in conn.execution_options(yield_per=CHUNK_ROWS).execute(stmt):
        key = normalise_key(row.key) if row.outcome == "answered" else None
        yield DetailRow(
            name=row.name or "",
            phone=row.phone if unmasked else mask_phone(row.phone),
            product=row.product or "",
            attempts=int(row.attempts),
            outcome=outcome_label(row.outcome),
            key=key or "",
            key_label=key_label(key, labels) if key else "",
            first_call=_local(row.first_call, tz),
            last_call=_local(row.last_call, tz),
            agent=agent_of(row),
        )


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)


def rejected_rows(
    conn: Connection, batch_ids: list[int], unmasked: bool = False
) -> Iterator[tuple[Any, ...]]:
    """The import rows of the campaign's batches that were rejected: the fixed columns
    (REJECTED_HEADERS) then the row's original cells as a header label -> value dict; digit runs
    masked like phones."""
    if not batch_ids:
        return
    r = _REJECTED.c
    stmt = (
        select(r.batch_id, _BATCH.c.file_name, r.row_number, r.reason, r.detail, r["values"])
        .select_from(_REJECTED.join(_BATCH, _BATCH.c.id == r.batch_id))
        .where(r.batch_id.in_(batch_ids))
        .order_by(r.batch_id, r.row_number)
    )
    for row in conn.execution_options(yield_per=CHUNK_ROWS).execute(stmt):
        original = {str(k): "" if v is None else str(v) for k, v in (row[5] or {}).items()}
        detail = row.detail or ""
        if not unmasked:
            original = {k: _mask(v) for k, v in original.items()}
            detail = _mask(detail)
        yield (row.batch_id, row.file_name, row.row_number, row.reason, detail, original)


def rejected_columns(conn: Connection, batch_ids: list[int]) -> list[str]:
    """The original columns of the rejected rows, in the uploaded file's order: each batch's
    header (its mapping, stored in header order) then any label only a rejected row has."""
    if not batch_ids:
        return []
    labels: dict[str, None] = {}
    mappings = conn.execute(
        select(_BATCH.c.mapping).where(_BATCH.c.id.in_(batch_ids)).order_by(_BATCH.c.id)
    ).scalars()
    for mapping in mappings:
        labels.update(dict.fromkeys(str(k) for k in (mapping or {})))
    stmt = select(_REJECTED.c["values"]).where(_REJECTED.c.batch_id.in_(batch_ids))
    for (values,) in conn.execution_options(yield_per=CHUNK_ROWS).execute(stmt):
        labels.update(dict.fromkeys(str(k) for k in (values or {})))
    return list(labels)


def _mask(text: str) -> str:
    return _DIGITS.sub(lambda m: mask_phone(m.group(0)), text)
