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

from sqlalchemy import Connection, Table, bindparam, insert, select, update
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

__all__ = ["ContactStore", "ExistingContact", "NewContact", "NewOpportunity", "Reject"]

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
class NewContact:
    phone: str
    kind: str
    name: str | None
    company: str | None
    extra: dict[str, Any] | None
    row_number: int


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
        self._now = datetime.now(UTC)
        self._now_param: Any = (
            self._now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            if self._sqlite
            else self._now.replace(tzinfo=None)
        )
        if self._sqlite and not dry_run:
            conn.exec_driver_sql("PRAGMA cache_size=-65536")  # 64 MiB: index inserts stay in memory

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

    def dnc_among(self, phones: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(phones):
            found.update(self.conn.execute(select(DNC.c.phone).where(DNC.c.phone.in_(part))).scalars())
        return found

    def existing_contacts(self, phones: Sequence[str]) -> dict[str, ExistingContact]:
        found: dict[str, ExistingContact] = {}
        columns = (CONTACT.c.phone, CONTACT.c.id, CONTACT.c.name, CONTACT.c.company, CONTACT.c.extra)
        for part in _chunks(phones):
            for phone, cid, name, company, extra in self.conn.execute(
                select(*columns).where(CONTACT.c.phone.in_(part))
            ):
                found[phone] = ExistingContact(cid, name, company, extra)
        return found

    def existing_opportunity_keys(self, contact_ids: Sequence[int]) -> set[tuple[int, str]]:
        keys: set[tuple[int, str]] = set()
        real = [cid for cid in contact_ids if cid > 0]
        for part in _chunks(real):
            rows = self.conn.execute(
                select(OPPORTUNITY.c.contact_id, OPPORTUNITY.c.product).where(
                    OPPORTUNITY.c.contact_id.in_(part)
                )
            )
            keys.update((int(cid), str(product)) for cid, product in rows)
        return keys

    # --- writes ----------------------------------------------------------------------------------------

    def insert_contacts(self, batch_id: int | None, contacts: Sequence[NewContact]) -> dict[str, int]:
        """Insert new contacts; returns phone -> id."""
        if not contacts:
            return {}
        if self.dry_run:
            fake: dict[str, int] = {}
            for contact in contacts:
                fake[contact.phone] = self._next_fake_id
                self._next_fake_id -= 1
            return fake
        now = self._now_param
        self._executemany(
            CONTACT,
            ("phone", "phone_kind", "name", "company", "extra", "first_batch_id", "push_status",
             "created_at", "updated_at"),
            [
                (c.phone, c.kind, c.name, c.company, self._json(c.extra), batch_id, "pending", now, now)
                for c in contacts
            ],
        )  # fmt: skip
        ids: dict[str, int] = {}
        phones = [c.phone for c in contacts]
        for part in _chunks(phones):
            rows = self.conn.execute(select(CONTACT.c.phone, CONTACT.c.id).where(CONTACT.c.phone.in_(part)))
            ids.update((str(phone), int(cid)) for phone, cid in rows)
        return ids

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

    def link(self, batch_id: int | None, links: Iterable[tuple[int, int, str]]) -> None:
        """(contact_id, row_number, outcome) for every contact this batch imported or updated."""
        if self.dry_run or batch_id is None:
            return
        rows = [(batch_id, cid, row, outcome) for cid, row, outcome in links]
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
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def _executemany(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quote = self.conn.dialect.identifier_preparer
        names = ", ".join(quote.quote(column) for column in columns)
        marks = ", ".join([self._mark] * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {quote.format_table(table)} ({names}) VALUES ({marks})", rows)
