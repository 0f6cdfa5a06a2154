"""The audit trail: who imported, created, started, paused, resumed, edited, cancelled and exported what,
and every dial (number hash, time, campaign, outcome). Rows are only ever added.

A dial's number is stored as a SHA-256 hash so the trail can answer "was this number called" (hash the
number asked about) without keeping the number itself after retention has masked the campaign.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.models import table_of
from batch_dialer.campaigns.oversight_models import AuditEvent

__all__ = [
    "ACTION_LABELS",
    "AuditRow",
    "audit_events",
    "event_row",
    "phone_hash",
    "record",
    "record_all_in",
    "record_in",
]

_audit = table_of(AuditEvent)

#: Every action the trail knows, with its label in the console.
ACTION_LABELS: Mapping[str, str] = {
    "import": "导入",
    "create": "创建活动",
    "start": "开始",
    "pause": "暂停",
    "resume": "继续",
    "edit": "编辑",
    "cancel": "取消",
    "export": "导出",
    "dial": "拨打",
    "opt_out": "拒绝来电（加入免打扰）",
    "retention": "到期脱敏",
}


def phone_hash(phone: str) -> str:
    return hashlib.sha256(f"batch-dialer/{phone}".encode()).hexdigest()


def record_in(conn: Connection, actor: str, action: str, **fields: Any) -> None:
    """Add one event inside the caller's transaction (so the event and the change commit together);
    ``fields`` as :func:`event_row` takes them."""
    # a missing detail is SQL NULL here (a literal None), JSON null in an executemany batch
    conn.execute(_audit.insert().values(**event_row(actor, action, **fields)))


def event_row(
    actor: str,
    action: str,
    *,
    campaign_id: int | None = None,
    subject: str | None = None,
    phone: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One event's row, for :func:`record_all_in`."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    return {
        "at": at or utcnow(),
        "actor": (actor or "?")[:100],
        "action": action,
        "campaign_id": campaign_id,
        "subject": subject[:300] if subject else None,
        "phone_hash": phone_hash(phone) if phone else None,
        "detail": dict(detail) if detail else None,
    }


def record_all_in(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add several events (:func:`event_row`, each with its detail) in one statement inside the caller's
    transaction."""
    if rows:
        conn.execute(_audit.insert(), list(rows))


def record(engine: Engine, actor: str, action: str, **fields: Any) -> None:
    """Add one event in its own transaction."""
    with engine.begin() as conn:
        record_in(conn, actor, action, **fields)


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    campaign_id: int | None
    subject: str | None
    phone_hash: str | None
    detail: dict[str, Any] | None

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


def audit_events(
    engine: Engine,
    *,
    campaign_id: int | None = None,
    actions: tuple[str, ...] = (),
    since: datetime | None = None,
    phone: str | None = None,
    limit: int = 200,
) -> list[AuditRow]:
    """Newest first."""
    query = select(_audit).order_by(_audit.c.at.desc(), _audit.c.id.desc()).limit(max(1, limit))
    if campaign_id is not None:
        query = query.where(_audit.c.campaign_id == campaign_id)
    if actions:
        query = query.where(_audit.c.action.in_(actions))
    if since is not None:
        query = query.where(_audit.c.at >= since)
    if phone:
        query = query.where(_audit.c.phone_hash == phone_hash(phone))
    with engine.connect() as conn:
        return [
            AuditRow(r.at, r.actor, r.action, r.campaign_id, r.subject, r.phone_hash, r.detail)
            for r in conn.execute(query)
        ]
