"""The import's database side: look-ups in chunks and bulk writes without one ORM object per row.

Hot inserts go straight to the driver's `executemany` with positional tuples (values already in
their stored form), which is what keeps a million-row import near raw SQLite speed. In a dry run
nothing is written and new contacts get provisional negative ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.models import (
    Contact,
    ContactTag,
    DoNotCall,
    ImportBatch,
    ImportBatchContact,
    Opportunity,
    RejectedRow,
)

__all__ = ["ContactStore", "ExistingContact", "NewContacts", "NewOpportunity", "Reject"]

CONTACT: Table = Contact.__table__  # type: ignore[attr-defined]
LINK: Table = ImportBatchContact.__table__  # type: ignore[attr-defined]
OPPORTUNITY: Table = Opportunity.__table__  # type: ignore[attr-defined]
REJECTED: Table = RejectedRow.__table__  # type: ignore[attr-defined]
DNC: Table = DoNotCall.__table__  # type: ignore[attr-defined]
TAG: Table = ContactTag.__table__  # type: ignore[attr-defined]
BATCH: Table = ImportBatch.__table__  # type: ignore[attr-defined]

LOOKUP_CHUNK = 5000  # bound parameters per IN (...) look-up


@dataclass(frozen=True)
class ExistingContact:
    id: int
    name: str | None
    company: str | None
    extra: dict[str, Any] | None


@dataclass(frozen=True)
class NewContacts:
    """New contacts as parallel columns (no object per row)."""

    phones: list[str]
    kinds: list[str]
    names: list[str | None]
    companies: list[str | None]
    extras_json: list[str | None]  # extra fields, already encoded


@dataclass(frozen=True)
class NewOpportunity:
    contact_id: int
    product: str
    comment: str | None
    qq: str | None


@dataclass(frozen=True)
class Reject:
    row_number: int
    reason: str
    detail: str | None
    values: dict[str, str]


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _loaded(value: Any) -> dict[str, Any] | None:
    """JSON columns come back as text from SQLite through the driver, as dicts from psycopg."""
    if value is None or isinstance(value, dict):
        return value
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else None


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ContactStore:
    """All reads and writes of one import, on one connection inside one transaction."""

    def __init__(self, conn: Connection, *, dry_run: bool = False) -> None:
        self.conn = conn
        self.dry_run = dry_run
        self._sqlite = conn.dialect.name == "sqlite"
        self._mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._next_fake_id = -1
        self._contacts_were_empty = False
        self._dnc_empty = False
        self._now = datetime.now(UTC)
        self._now_param: Any = (
            self._now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            if self._sqlite
            else self._now.replace(tzinfo=None)
        )
        if self._sqlite and not dry_run:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB: index inserts stay in memory

    # --- batch row ----------------------------------------------------------------------------------

    def create_batch(self, values: dict[str, Any]) -> int | None:
        if self.dry_run:
            return None
        result = self.conn.execute(insert(BATCH).values(**values, status="running").returning(BATCH.c.id))
        return int(result.scalar_one())

    def finish_batch(self, batch_id: int | None, values: dict[str, Any]) -> None:
        if self.dry_run or batch_id is None:
            return
        self.conn.execute(
            update(BATCH).where(BATCH.c.id == batch_id).values(**values, status="done", finished_at=utcnow())
        )

    # --- look-ups ------------------------------------------------------------------------------------

    def begin_shortcuts(self) -> None:
        """On SQLite our transaction holds the write lock from the batch row on, so nobody can add
        contacts or DNC numbers until we commit: an empty table stays empty but for our own rows,
        which the in-file de-duplication already sees. Then the per-chunk look-ups can be skipped."""
        if self._sqlite and not self.dry_run:
            first_contact = self.conn.exec_driver_sql("SELECT 1 FROM contact LIMIT 1").first()
            first_dnc = self.conn.exec_driver_sql("SELECT 1 FROM do_not_call LIMIT 1").first()
            self._contacts_were_empty = first_contact is None
            self._dnc_empty = first_dnc is None

    def dnc_among(self, phones: Sequence[str]) -> set[str]:
        if self._dnc_empty:
            return set()
        return {str(row[0]) for row in self._select_in("SELECT phone FROM do_not_call WHERE phone", phones)}

    def existing_contacts(self, phones: Sequence[str]) -> dict[str, ExistingContact]:
        if self._contacts_were_empty:
            return {}
        found: dict[str, ExistingContact] = {}
        sql = "SELECT phone, id, name, company, extra FROM contact WHERE phone"
        for phone, cid, name, company, extra in self._select_in(sql, phones):
            found[str(phone)] = ExistingContact(int(cid), name, company, _loaded(extra))
        return found

    def existing_opportunity_keys(self, contact_ids: Sequence[int]) -> set[tuple[int, str]]:
        if self._contacts_were_empty:
            return set()
        real = [cid for cid in contact_ids if cid > 0]
        rows = self._select_in("SELECT contact_id, product FROM opportunity WHERE contact_id", real)
        return {(int(cid), str(product)) for cid, product in rows}

    # --- writes ----------------------------------------------------------------------------------------

    def insert_contacts(self, batch_id: int | None, new: NewContacts) -> dict[str, int]:
        """Insert new contacts; returns phone -> id."""
        if not new.phones:
            return {}
        if self.dry_run:
            first = self._next_fake_id
            self._next_fake_id -= len(new.phones)
            return dict(zip(new.phones, range(first, self._next_fake_id, -1), strict=True))
        now = self._now_param
        rows = [
            (phone, kind, name, company, extra, batch_id, "pending", now, now)
            for phone, kind, name, company, extra in zip(
                new.phones, new.kinds, new.names, new.companies, new.extras_json, strict=True
            )
        ]
        columns = ("phone", "phone_kind", "name", "company", "extra", "first_batch_id", "push_status",
                   "created_at", "updated_at")  # fmt: skip
        if self._sqlite:
            before = self._max_contact_id()
            self._executemany(CONTACT, columns, rows)
            after = self._max_contact_id()
            if after - before == len(rows):  # rowids were allocated max+1 in order, under our lock
                return dict(zip(new.phones, range(before + 1, after + 1), strict=True))
        else:
            self._executemany(CONTACT, columns, rows)
        found = self._select_in("SELECT phone, id FROM contact WHERE phone", new.phones)
        return {str(phone): int(cid) for phone, cid in found}

    def _max_contact_id(self) -> int:
        return int(self.conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM contact").scalar_one())

    def update_contacts(
        self, changes: Sequence[tuple[int, str | None, str | None, dict[str, Any] | None]]
    ) -> None:
        """(id, name, company, extra) with the merged values."""
        if self.dry_run or not changes:
            return
        statement = (
            update(CONTACT)
            .where(CONTACT.c.id == bindparam("cid"))
            .values(
                name=bindparam("new_name"),
                company=bindparam("new_company"),
                extra=bindparam("new_extra"),
                updated_at=self._now,
            )
        )
        params = [{"cid": cid, "new_name": n, "new_company": c, "new_extra": e} for cid, n, c, e in changes]
        self.conn.execute(statement, params)

    def link_updated(self, batch_id: int | None, links: Iterable[tuple[int, int]]) -> None:
        """(contact_id, row_number) of existing contacts this batch updated.

        A contact the batch created needs no link row: its `first_batch_id` says so, and readers
        of batch membership take `first_batch_id = B OR a link row (B, contact)`. One index entry
        fewer per new contact is most of a large import's write cost saved."""
        if self.dry_run or batch_id is None:
            return
        rows = [(batch_id, cid, row, "updated") for cid, row in links]
        self._executemany(LINK, ("batch_id", "contact_id", "row_number", "outcome"), rows)

    def insert_opportunities(self, batch_id: int | None, opportunities: Sequence[NewOpportunity]) -> None:
        if self.dry_run or not opportunities:
            return
        now = self._now_param
        self._executemany(
            OPPORTUNITY,
            ("contact_id", "product", "comment", "qq", "batch_id", "push_status", "created_at", "updated_at"),
            [
                (o.contact_id, o.product, o.comment, o.qq, batch_id, "pending", now, now)
                for o in opportunities
            ],
        )

    def insert_rejects(self, batch_id: int | None, rejects: Sequence[Reject]) -> None:
        if self.dry_run or batch_id is None or not rejects:
            return
        self._executemany(
            REJECTED,
            ("batch_id", "row_number", "reason", "detail", "values"),
            [(batch_id, r.row_number, r.reason, r.detail, self._json(r.values)) for r in rejects],
        )

    def tag(self, tag: str, contact_ids: Sequence[int]) -> None:
        if self.dry_run or not contact_ids:
            return
        dialect_insert = sqlite.insert if self._sqlite else postgresql.insert
        statement = dialect_insert(TAG).on_conflict_do_nothing()
        for part in _chunks(contact_ids):
            self.conn.execute(statement, [{"contact_id": cid, "tag": tag} for cid in part])

    # --- plumbing --------------------------------------------------------------------------------------

    def _json(self, value: dict[str, Any] | None) -> str | None:
        return None if value is None else _ENCODE(value)

    def _select_in(self, head: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        """`head IN (...)` in parameter chunks, straight to the driver (no per-call compilation)."""
        rows: list[tuple[Any, ...]] = []
        for part in _chunks(values):
            marks = ", ".join([self._mark] * len(part))
            rows.extend(tuple(r) for r in self.conn.exec_driver_sql(f"{head} IN ({marks})", tuple(part)))
        return rows

    def _executemany(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quote = self.conn.dialect.identifier_preparer
        names = ", ".join(quote.quote(column) for column in columns)
        marks = ", ".join([self._mark] * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {quote.format_table(table)} ({names}) VALUES ({marks})", rows)
