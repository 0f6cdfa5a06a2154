"""The do-not-call list: numbers are stored normalised, so 138-0013-8000 and +8613800138000 match
the contact 13800138000 the import rejects with reason `dnc`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from batch_dialer.campaigns.models import DoNotCall
from batch_dialer.importers.formats import sniff_format
from batch_dialer.importers.phone_numbers import normalise_phone
from batch_dialer.importers.reading import open_table

__all__ = ["DncChange", "DncEntry", "add_to_dnc", "import_dnc_file", "list_dnc", "remove_from_dnc"]

DNC: Table = DoNotCall.__table__  # type: ignore[attr-defined]


@dataclass
class DncChange:
    added: int = 0
    already: int = 0  # added: already listed; remove: not listed
    removed: int = 0
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (value as given, reason)


@dataclass(frozen=True)
class DncEntry:
    phone: str
    reason: str | None
    added_at: datetime


def _normalised(values: Iterable[str], change: DncChange) -> list[str]:
    phones: dict[str, None] = {}
    for value in values:
        result = normalise_phone(str(value))
        if result.phone:
            phones[result.phone] = None
        else:
            change.invalid.append((str(value), result.reason or "invalid_phone"))
    return list(phones)


def add_to_dnc(engine: Engine, values: Iterable[str], reason: str | None = None) -> DncChange:
    change = DncChange()
    phones = _normalised(values, change)
    if not phones:
        return change
    with engine.begin() as conn:
        present = set(conn.execute(select(DNC.c.phone).where(DNC.c.phone.in_(phones))).scalars())
        fresh = [p for p in phones if p not in present]
        if fresh:
            dialect_insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
            conn.execute(
                dialect_insert(DNC).on_conflict_do_nothing(),
                [{"phone": p, "reason": (reason or None) and reason[:300]} for p in fresh],
            )
    change.added, change.already = len(fresh), len(present)
    return change


def remove_from_dnc(engine: Engine, values: Iterable[str]) -> DncChange:
    change = DncChange()
    phones = _normalised(values, change)
    if phones:
        with engine.begin() as conn:
            removed = conn.execute(delete(DNC).where(DNC.c.phone.in_(phones))).rowcount
        change.removed, change.already = removed, len(phones) - removed
    return change


def list_dnc(engine: Engine) -> list[DncEntry]:
    with engine.connect() as conn:
        rows = conn.execute(select(DNC.c.phone, DNC.c.reason, DNC.c.added_at).order_by(DNC.c.phone))
        return [DncEntry(phone, reason, added_at) for phone, reason, added_at in rows]


def import_dnc_file(
    path: Path,
    engine: Engine,
    *,
    reason: str | None = None,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> DncChange:
    """Every number in the file's phone column (same reader as the contact import)."""
    fmt = sniff_format(path)
    reader = open_table(path, fmt, sheet=sheet, overrides=mapping)
    phone_pos = reader.columns.fields["phone"]
    values = [
        value for chunk in reader.chunks() for value in chunk.frame[phone_pos].tolist() if str(value).strip()
    ]
    return add_to_dnc(engine, values, reason)
