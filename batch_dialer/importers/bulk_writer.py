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

import numpy as np
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

__all__ = ["ContactStore", "ExistingContact", "NewContacts", "NewOpportunities", "Reject"]

CONTACT: Table = Contact.__table__  # type: ignore[attr-defined]
LINK: Table = ImportBatchContact.__table__  # type: ignore[attr-defined]
OPPORTUNITY: Table = Opportunity.__table__  # type: ignore[attr-defined]
REJECTED: Table = RejectedRow.__table__  # type: ignore[attr-defined]
DNC: Table = DoNotCall.__table__  # type: ignore[attr-defined]
TAG: Table = ContactTag.__table__  # type: ignore[attr-defined]
BATCH: Table = ImportBatch.__table__  # type: ignore[attr-defined]

LOOKUP_CHUNK = 5000  # bound parameters per IN (...) look-up
# SQLite inserts this many rows per INSERT … VALUES (…), (…): the statement opens the table and
# index cursors once per 100 rows instead of once per row, a third of a large import's time.
ROWS_PER_INSERT = 100
_DEFAULT_CACHE_SIZE = -2000  # SQLite's default (2 MiB)


@dataclass(frozen=True)
class ExistingContact:
    id: int
    name: str | None
    company: str | None
    extra: dict[str, Any] | None


@dataclass(frozen=True)
class NewContacts:
    """New contacts as parallel object arrays (no object per row)."""

    phones: np.ndarray
    kinds: np.ndarray
    names: np.ndarray
    companies: np.ndarray
    extras_json: np.ndarray  # extra fields, already encoded


@dataclass(frozen=True)
class NewOpportunities:
    """New opportunities as parallel arrays."""

    contact_ids: np.ndarray  # int64
    products: np.ndarray
    comments: np.ndarray
    qqs: np.ndarray


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


def _literal(value: Any) -> str:
    """A constant of our own (batch id, status, timestamp) written into the SQL text."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


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
            # Set before the first write opens the transaction (PRAGMA foreign_keys is ignored
            # inside one); `close` restores both. 256 MiB keeps the index inserts in memory. The
            # checks are ours to skip: every id we write is our batch's, a contact we inserted,
            # or one we read under the write lock we hold until commit.
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")

    def close(self) -> None:
        """Give the connection back as the engine made it (after commit or on failure)."""
        if self._sqlite and not self.dry_run:
            if self.conn.in_transaction():
                self.conn.rollback()
            self.conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            self.conn.exec_driver_sql(f"PRAGMA cache_size={_DEFAULT_CACHE_SIZE}")

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

    @property
    def nothing_existed(self) -> bool:
        """No contact existed when the import began: every contact met is one it created."""
        return self._contacts_were_empty

    def dnc_among(self, phones: Sequence[str]) -> set[str]:
        if self._dnc_empty:
            return set()
        distinct = sorted(set(phones))
        return {str(row[0]) for row in self._select_in("SELECT phone FROM do_not_call WHERE phone", distinct)}

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

    def insert_contacts(self, batch_id: int | None, new: NewContacts) -> np.ndarray:
        """Insert new contacts; returns their ids (int64, in the order given).

        Rows go in sorted by phone: the unique phone index then grows in order instead of at
        random places, which is most of its cost at a million rows."""
        count = len(new.phones)
        if not count:
            return np.zeros(0, dtype=np.int64)
        if self.dry_run:
            first = self._next_fake_id
            self._next_fake_id -= count
            return np.arange(first, self._next_fake_id, -1, dtype=np.int64)
        order = np.argsort(new.phones.astype(str), kind="stable")
        now = self._now_param
        columns = [new.phones[order], new.kinds[order], new.names[order], new.companies[order],
                   new.extras_json[order]]  # fmt: skip
        constants = {
            "first_batch_id": batch_id,
            "push_status": "pending",
            "created_at": now,
            "updated_at": now,
        }
        ids = np.empty(count, dtype=np.int64)
        if self._sqlite:
            before = self._max_contact_id()
            self._insert_columns(
                CONTACT, ("phone", "phone_kind", "name", "company", "extra"), columns, constants
            )
            after = self._max_contact_id()
            if after - before == count:  # rowids were allocated max+1 in order, under our lock
                ids[order] = np.arange(before + 1, after + 1, dtype=np.int64)
                return ids
        else:
            self._insert_columns(
                CONTACT, ("phone", "phone_kind", "name", "company", "extra"), columns, constants
            )
        phones = new.phones[order].tolist()
        found = dict(self._select_in("SELECT phone, id FROM contact WHERE phone", phones))
        ids[order] = [int(found[phone]) for phone in phones]
        return ids

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

    def insert_opportunities(self, batch_id: int | None, new: NewOpportunities) -> None:
        if self.dry_run or not len(new.contact_ids):
            return
        now = self._now_param
        order = np.argsort(
            new.contact_ids, kind="stable"
        )  # the unique (contact, product) index grows in order
        self._insert_columns(
            OPPORTUNITY,
            ("contact_id", "product", "comment", "qq"),
            [new.contact_ids[order], new.products[order], new.comments[order], new.qqs[order]],
            {"batch_id": batch_id, "push_status": "pending", "created_at": now, "updated_at": now},
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

    def _insert_columns(
        self, table: Table, columns: Sequence[str], values: Sequence[np.ndarray], constants: dict[str, Any]
    ) -> None:
        """Insert from parallel column arrays; `constants` are the same in every row."""
        count = len(values[0])
        if not count:
            return
        if not self._sqlite:
            rows = list(
                zip(*(v.tolist() for v in values), *([c] * count for c in constants.values()), strict=True)
            )
            self._executemany(table, [*columns, *constants], rows)
            return
        quote = self.conn.dialect.identifier_preparer
        names = ", ".join(quote.quote(column) for column in [*columns, *constants])
        one = "(" + ", ".join(["?"] * len(columns) + [_literal(c) for c in constants.values()]) + ")"
        head = f"INSERT INTO {quote.format_table(table)} ({names}) VALUES "
        grid = np.empty((count, len(columns)), dtype=object)
        for j, column in enumerate(values):
            grid[:, j] = column
        full = count - count % ROWS_PER_INSERT
        if full:
            statement = head + ", ".join([one] * ROWS_PER_INSERT)
            groups = grid[:full].reshape(-1, ROWS_PER_INSERT * len(columns)).tolist()
            self.conn.exec_driver_sql(statement, list(map(tuple, groups)))
        if count > full:
            self.conn.exec_driver_sql(
                head + ", ".join([one] * (count - full)), tuple(grid[full:].ravel().tolist())
            )

    def _executemany(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quote = self.conn.dialect.identifier_preparer
        names = ", ".join(quote.quote(column) for column in columns)
        marks = ", ".join([self._mark] * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {quote.format_table(table)} ({names}) VALUES ({marks})", rows)
