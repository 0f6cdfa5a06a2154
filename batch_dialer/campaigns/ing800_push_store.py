"""Recording what the 800ing centre tells us, each thing once, and the look-ups its callbacks need.

A push is keyed by :meth:`CdrPush.dedup_key` (our token + push type), so the same push arriving twice —
the centre retrying, ``push_send`` re-sending, the event stream or ``push_list`` reporting it again —
leaves one row whose ``times_seen`` counts the repeats. Inserts use ``ON CONFLICT DO NOTHING`` on
both SQLite and PostgreSQL, so two deliveries racing each other cannot both insert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from batch_dialer.callcenter.ing800.events import CdrPush, StreamMessage
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.models import CallAttempt, table_of

__all__ = [
    "PushWrite",
    "agent_who_last_spoke_with",
    "phone_variants",
    "record_key",
    "record_push",
    "record_stream_message",
    "recorded_tokens",
    "token_for_call",
]

PUSHES = table_of(Ing800Push)
ATTEMPTS = table_of(CallAttempt)


@dataclass(frozen=True)
class PushWrite:
    """Whether this delivery was new (False: a repeat of one already recorded)."""

    new: bool
    dedup_key: str


def phone_variants(phone: str) -> list[str]:
    """§2.10 sends the caller "去除前面 0": match with and without the trunk prefix 0."""
    bare = phone.strip().lstrip("0")
    return list(dict.fromkeys([phone.strip(), bare, f"0{bare}"]))


def _insert(conn: Connection) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(PUSHES)


def _write(conn: Connection, values: Mapping[str, Any]) -> PushWrite:
    statement: Insert = _insert(conn).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
    inserted = conn.execute(statement.returning(PUSHES.c.id)).first() is not None
    if not inserted:
        conn.execute(
            update(PUSHES)
            .where(PUSHES.c.dedup_key == values["dedup_key"])
            .values(times_seen=PUSHES.c.times_seen + 1)
        )
    return PushWrite(inserted, str(values["dedup_key"]))


def record_push(
    engine: Engine, push: CdrPush, source: str, raw: Mapping[str, Any] | None = None
) -> PushWrite:
    """Store one §2.7 push (from our endpoint, push_send or push_list) and commit before returning."""
    memo = push.memo
    verdict = memo.verdict() if memo is not None and push.is_final else None
    values = {
        "dedup_key": push.dedup_key(),
        "source": source,
        "push_type": int(push.type),
        "cdr_id": push.cdr_id,
        "paramvalue": push.paramvalue,
        "phone": push.phone or (memo.phone if memo else None),
        "extension": memo.extension if memo else None,
        "ivr_keys": memo.keys if memo else None,
        "talk_seconds": memo.talk_seconds if memo else None,
        "outcome": verdict.kind.value if verdict else None,
        "hangup_reason": verdict.reason[:200] if verdict else None,
        "record_file": memo.record_file if memo else None,
        "payload": dict(raw) if raw is not None else None,
        "received_at": utcnow(),
    }
    with engine.begin() as conn:
        return _write(conn, values)


def record_stream_message(engine: Engine, extension: str, message: StreamMessage) -> PushWrite:
    """Store one event-stream message; a hang-up seen here marks its attempt as ended (no outcome yet)."""
    ident = message.paramvalue or message.cdr_id or f"{extension}:{message.waterline}"
    status = message.status.value if message.status is not None else -1
    values = {
        "dedup_key": f"stream:{ident}:{status}",
        "source": "stream",
        "push_type": None,
        "cdr_id": message.cdr_id,
        "paramvalue": message.paramvalue,
        "phone": message.phone,
        "extension": extension,
        "payload": {"status": status, "waterline": message.waterline, "time": message.time_ms},
        "received_at": utcnow(),
    }
    with engine.begin() as conn:
        return _write(conn, values)


def token_for_call(engine: Engine, cdr_id: str | None, phone: str | None) -> str | None:
    """Our attempt token for a §2.10 callback: by ``cdrId`` from any event we stored, else the latest
    attempt placed to that number (reading R13)."""
    with engine.connect() as conn:
        if cdr_id:
            found = conn.execute(
                select(PUSHES.c.paramvalue)
                .where(PUSHES.c.cdr_id == cdr_id, PUSHES.c.paramvalue.is_not(None))
                .limit(1)
            ).scalar_one_or_none()
            if found:
                return str(found)
        if phone:
            latest = conn.execute(
                select(ATTEMPTS.c.token)
                .where(ATTEMPTS.c.phone.in_(phone_variants(phone)), ATTEMPTS.c.placed_at.is_not(None))
                .order_by(ATTEMPTS.c.placed_at.desc())
                .limit(1)
            ).scalar_one_or_none()
            return str(latest) if latest else None
    return None


def record_key(
    engine: Engine,
    phone: str,
    keys: str | None,
    cdr_id: str | None,
    token: str | None,
    now: datetime | None = None,
) -> PushWrite:
    """Store one §2.10 key callback; without a cdrId every callback is kept (nothing to dedupe by)."""
    stamp = now or utcnow()
    ident = cdr_id or f"{phone}:{stamp.isoformat()}"
    values = {
        "dedup_key": f"key:{ident}:{keys or ''}",
        "source": "key",
        "push_type": None,
        "cdr_id": cdr_id,
        "paramvalue": token,
        "phone": phone,
        "ivr_keys": keys,
        "payload": {"phone": phone, "input": keys, "cdrId": cdr_id},
        "received_at": stamp,
    }
    with engine.begin() as conn:
        return _write(conn, values)


def agent_who_last_spoke_with(engine: Engine, phone: str) -> str | None:
    """§2.8: the extension of the latest answered call (talk time > 0) with this number."""
    with engine.connect() as conn:
        found = conn.execute(
            select(PUSHES.c.extension)
            .where(
                PUSHES.c.phone.in_(phone_variants(phone)),
                PUSHES.c.extension.is_not(None),
                PUSHES.c.talk_seconds > 0,
                or_(PUSHES.c.push_type == 3, PUSHES.c.push_type == 4),
            )
            .order_by(PUSHES.c.received_at.desc(), PUSHES.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return str(found) if found else None


def recorded_tokens(engine: Engine, tokens: list[str]) -> set[str]:
    """The tokens that any stored push, stream event or key callback names (the centre knows them)."""
    if not tokens:
        return set()
    with engine.connect() as conn:
        return {
            str(t)
            for t in conn.execute(
                select(PUSHES.c.paramvalue).where(PUSHES.c.paramvalue.in_(tokens)).distinct()
            ).scalars()
        }
