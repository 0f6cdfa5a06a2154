"""The opt-out key (e.g. 9 = 不再来电): pressing it puts the number on the do-not-call list at once.

Shared by every kind: the ledger's ``finish_attempt`` asks :func:`opted_out` with the attempt's keys and the
campaign's ``optout_key`` setting, whatever centre the keys came from (Guoxin result polls, 800ing key
callbacks). Later campaigns skip the number because task creation and the claim check the DNC list.

Reading where the documents are silent: Guoxin returns keys as ``name=value`` pairs (``satisfact=9``), so
an ``optout_key`` of ``9`` matches any key whose value is 9, and ``NAME=9`` matches only that key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from batch_dialer.campaigns.audit_trail import record_in
from batch_dialer.campaigns.models import DoNotCall, table_of

__all__ = ["OPT_OUT_REASON", "check_optout_key", "opted_out", "record_opt_out"]

_dnc = table_of(DoNotCall)
OPT_OUT_REASON = "opt-out key pressed in campaign {name!r} (拒绝来电)"


def check_optout_key(value: str | None) -> str | None:
    """``9`` or ``NAME=9`` (a single key 0–9, * or #); ValueError naming the problem otherwise."""
    if value is None or not value.strip():
        return None
    name, sep, key = value.strip().rpartition("=")
    if sep and not name.strip():
        raise ValueError(f"--optout-key {value!r}: the key name before '=' is empty")
    if len(key.strip()) != 1 or key.strip() not in "0123456789*#":
        raise ValueError(f"--optout-key {value!r}: expected one key 0-9, * or # (optionally NAME=KEY)")
    return f"{name.strip()}={key.strip()}" if sep else key.strip()


def opted_out(keys: Mapping[str, str] | None, optout_key: str | None) -> bool:
    """Whether the pressed ``keys`` contain the campaign's opt-out key."""
    if not keys or not optout_key:
        return False
    name, sep, key = optout_key.rpartition("=")
    if sep:
        return str(keys.get(name, "")).strip() == key
    return any(str(value).strip() == key for value in keys.values())


def record_opt_out(conn: Connection, phone: str, campaign_id: int, campaign_name: str, now: datetime) -> None:
    """Put ``phone`` on the DNC list inside the caller's transaction, and on the audit trail."""
    insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    conn.execute(
        insert(_dnc)
        .values(phone=phone, reason=OPT_OUT_REASON.format(name=campaign_name)[:300], added_at=now)
        .on_conflict_do_nothing()
    )
    record_in(conn, "engine", "opt_out", campaign_id=campaign_id, subject=campaign_name, phone=phone, at=now)
