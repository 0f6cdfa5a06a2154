"""Per-contact detail and rejected import rows, streamed from the database in chunks.

Both are generators over a server-side cursor (``yield_per``), so a writer holds one chunk at a time
however many contacts the campaign has. A detail row is a plain tuple in DETAIL_HEADERS order: at
hundreds of thousands of rows an object per row would cost more than writing the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, DateTime, Table, func, literal, select, type_coerce

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
from batch_dialer.reports.attempt_queries import PLACED_STATES
from batch_dialer.reports.labels import OUTCOME_LABELS, key_label
from batch_dialer.reports.satisfaction_stats import normalise_key
from batch_dialer.reports.summary_model import CampaignInfo
from batch_dialer.reports.task_outcome import final_outcome_expr, key_value_expr

__all__ = [
    "CHUNK_ROWS",
    "DETAIL_HEADERS",
    "REJECTED_HEADERS",
    "WallClock",
    "detail_rows",
    "naive_local",
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
_LAST_OF_HOUR = timedelta(hours=1, microseconds=-1)


def _products(dialect: str) -> Any:
    """All products of the task's contact in one cell (a correlated subquery on the contact index)."""
    agg = (
        func.group_concat(_OPP.c.product, literal("、"))
        if dialect == "sqlite"
        else func.string_agg(_OPP.c.product, literal("、"))
    )
    return select(agg).where(_OPP.c.contact_id == _TASK.c.contact_id).scalar_subquery()


def naive_local(local: datetime) -> datetime:
    """A call's local time as it is: naive (Excel has no zones)."""
    return local


class WallClock:
    """Naive UTC -> the naive local time in ``tz``, with the zone's offset looked up once per UTC hour:
    a zone conversion per value costs ~1 µs, twice for every contact. An hour in which the zone
    changes its offset is converted value by value."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.offsets: dict[int, timedelta] = {}

    def __call__(self, utc: datetime) -> datetime:
        hour = utc.toordinal() * 24 + utc.hour
        offset = self.offsets.get(hour)
        if offset is None:
            start = utc.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
            first = start.astimezone(self.tz).utcoffset()
            last = (start + _LAST_OF_HOUR).astimezone(self.tz).utcoffset()
            if first is None or first != last:
                return utc.replace(tzinfo=UTC).astimezone(self.tz).replace(tzinfo=None)
            offset = self.offsets[hour] = first
        return utc + offset


def detail_rows(
    conn: Connection,
    campaign: CampaignInfo,
    variable: str,
    unmasked: bool = False,
    centre_url: str | None = None,
    moment: Callable[[datetime], Any] = naive_local,
) -> Iterator[tuple[Any, ...]]:
    """One row per contact of the campaign, in task order: name, phone, product, attempts, outcome
    label, key, key label, first and last call (``moment`` of the call's naive local time in the
    campaign's zone, None when never called); kinds with agents add the agent columns
    (``detail_headers``), ``centre_url`` the recording links."""
    local = WallClock(ZoneInfo(campaign.tz))
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
            # naive UTC, as stored: UTCDateTime's Python hook per value would cost more than the
            # zone conversion below, twice for every contact
            type_coerce(calls.c.first_call, DateTime()).label("first_call"),
            type_coerce(calls.c.last_call, DateTime()).label("last_call"),
        )
        .select_from(
            _TASK.join(_CONTACT, _CONTACT.c.id == t.contact_id).outerjoin(calls, calls.c.task_id == t.id)
        )
        .where(t.campaign_id == campaign.id)
        .order_by(t.id)
    )
    stmt, agent_values = agent_detail_columns(stmt, campaign, centre_url)
    labels = campaign.key_labels
    for row in conn.execution_options(yield_per=CHUNK_ROWS).execute(stmt):
        name, phone, product, attempts, outcome, key, first, last = row if agent_values is None else row[:8]
        key = normalise_key(key) if outcome == "answered" else None
        values = (
            name or "",
            phone if unmasked else mask_phone(phone),
            product or "",
            int(attempts),
            OUTCOME_LABELS.get(outcome, outcome),
            key or "",
            key_label(key, labels) if key else "",
            None if first is None else moment(local(first)),
            None if last is None else moment(local(last)),
        )
        yield values if agent_values is None else values + agent_values(row)


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
