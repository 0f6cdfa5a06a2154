"""`import_file`: one spreadsheet -> contacts, opportunities and rejected rows, every row accounted for.

rows = imported + updated + duplicates + rejected (blank rows are counted apart). The whole
import is one transaction, so a failure half-way leaves the database as it was; a refusal
(`ImportRefused`) happens before anything is written.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from batch_dialer.importers.bulk_writer import ContactStore, NewContacts, NewOpportunities, Reject
from batch_dialer.importers.errors import ImportRefused
from batch_dialer.importers.file_digest import FileDigest
from batch_dialer.importers.formats import FileFormat, sniff_format
from batch_dialer.importers.import_result import ImportResult, RejectedSample
from batch_dialer.importers.read_limits import ReadLimits
from batch_dialer.importers.reading import TableReader, open_table
from batch_dialer.importers.rejects_workbook import RejectsWorkbook, default_rejects_path
from batch_dialer.importers.row_buckets import Candidates, ParsedChunk, parse_chunk

__all__ = ["ImportResult", "PreparedImport", "RejectedSample", "import_file", "prepare_import"]

log = logging.getLogger(__name__)


@dataclass
class PreparedImport:
    """A file that passed every refusal check (format, header, at least one data row), not yet written.

    The web console shows `mapping`/`sheet`/`header_row` before running; `run` may be called once.
    """

    source: Path
    display_name: str
    fmt: FileFormat
    reader: TableReader
    _chunks: Iterator[ParsedChunk]
    _digest: FileDigest

    @property
    def mapping(self) -> dict[str, str]:
        return self.reader.columns.as_mapping()

    @property
    def sheet(self) -> str | None:
        return self.reader.sheet

    @property
    def header_row(self) -> int:
        return self.reader.header_row

    def run(
        self,
        engine: Engine,
        *,
        tag: str | None = None,
        dry_run: bool = False,
        rejects_path: str | Path | None = None,
        write_rejects_file: bool = True,
        progress: Callable[[float], None] | None = None,
        sample_rejects: int = 20,
    ) -> ImportResult:
        """Import (or, with dry_run, only count) every row in one transaction."""
        reader = self.reader
        result = ImportResult(
            file=self.display_name,
            batch_id=None,
            dry_run=dry_run,
            file_format=self.fmt.describe(),
            sheet=reader.sheet,
            header_row=reader.header_row,
            mapping=self.mapping,
        )
        target = Path(rejects_path) if rejects_path else default_rejects_path(self.source)
        workbook = (
            RejectsWorkbook(target, reader.columns.header) if write_rejects_file and not dry_run else None
        )
        try:
            with engine.connect() as conn:
                store = ContactStore(conn, dry_run=dry_run)
                try:
                    run = _Run(store, result, reader, workbook, tag, sample_rejects)
                    run.begin(self.fmt.encoding, self._digest.hexdigest(), self.display_name)
                    for parsed in self._chunks:
                        run.add(parsed)
                        if progress:
                            progress(reader.fraction_read)
                    run.add_malformed()
                    run.finish()
                    if not dry_run:
                        conn.commit()
                finally:
                    store.close()
            if workbook is not None:
                written = workbook.commit()
                result.rejects_file = str(written) if written else None
        finally:
            if workbook is not None:
                workbook.discard()
        if progress:
            progress(1.0)
        log.info(
            "imported %s: rows=%d imported=%d updated=%d duplicates=%d rejected=%d blank=%d",
            result.file, result.rows, result.imported, result.updated, result.duplicates, result.rejected,
            result.blank_rows,
        )  # fmt: skip
        return result


def prepare_import(
    path: str | Path,
    *,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    chunk_rows: int = 50_000,
    display_name: str | None = None,
    limits: ReadLimits | None = None,
) -> PreparedImport:
    """Detect the format, find the header and the first data row; raises ImportRefused (nothing written).

    `mapping` is header label -> field (`--map`); `display_name` names an uploaded file; `limits`
    (default: DIALER_IMPORT_*) bound what reading a workbook may cost.
    """
    source = Path(path)
    fmt = sniff_format(source)
    reader = open_table(source, fmt, sheet=sheet, overrides=mapping, chunk_rows=chunk_rows, limits=limits)
    digest = FileDigest(source)
    chunks = _with_data(reader, source)
    return PreparedImport(source, display_name or str(source), fmt, reader, chunks, digest)


def import_file(
    path: str | Path,
    engine: Engine,
    *,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    tag: str | None = None,
    dry_run: bool = False,
    rejects_path: str | Path | None = None,
    write_rejects_file: bool = True,
    display_name: str | None = None,
    chunk_rows: int = 50_000,
    progress: Callable[[float], None] | None = None,
    sample_rejects: int = 20,
) -> ImportResult:
    """Import one file: `prepare_import(...)` then `.run(engine, ...)`.

    Raises ImportRefused (nothing written) for files that cannot be imported at all.
    """
    prepared = prepare_import(
        path, sheet=sheet, mapping=mapping, chunk_rows=chunk_rows, display_name=display_name
    )
    return prepared.run(
        engine,
        tag=tag,
        dry_run=dry_run,
        rejects_path=rejects_path,
        write_rejects_file=write_rejects_file,
        progress=progress,
        sample_rejects=sample_rejects,
    )


def _with_data(reader: TableReader, source: Path) -> Iterator[ParsedChunk]:
    """Parsed chunks, refusing before any write when the table has no non-blank data row."""
    stream = (parse_chunk(chunk, reader.columns) for chunk in reader.chunks())
    held: list[ParsedChunk] = []
    for parsed in stream:
        held.append(parsed)
        if parsed.rows:
            return chain(held, stream)
    if reader.malformed:
        return iter(held)
    raise ImportRefused(source, f"a header (row {reader.header_row}) but no data rows under it")


class _Run:
    """The state that spans chunks: phones already seen in this file and opportunities created."""

    def __init__(
        self,
        store: ContactStore,
        result: ImportResult,
        reader: TableReader,
        workbook: RejectsWorkbook | None,
        tag: str | None,
        sample_rejects: int,
    ) -> None:
        self.store = store
        self.result = result
        self.reader = reader
        self.workbook = workbook
        self.tag = tag
        self.sample_rejects = sample_rejects
        self.seen: dict[str, int] = {}  # phone -> contact id (provisional in a dry run)
        self.opportunity_keys: set[tuple[int, str]] = set()  # known in the database or created here
        self.loaded_contacts: set[int] = set()  # contacts whose opportunities are in opportunity_keys
        self.reasons: Counter[str] = Counter()

    def begin(self, encoding: str | None, sha256: str, file_name: str) -> None:
        self.result.batch_id = self.store.create_batch(
            {
                "file_name": file_name[:500],
                "file_sha256": sha256,
                "file_format": self.result.file_format[:32],
                "encoding": encoding,
                "sheet": self.result.sheet,
                "tag": self.tag,
                "mapping": self.result.mapping,
            }
        )
        self.store.begin_shortcuts()

    def add(self, parsed: ParsedChunk) -> None:
        """One chunk, column-wise: only rejects and updates of existing contacts go row by row."""
        result = self.result
        result.blank_rows += parsed.blank_rows
        result.rows += parsed.rows
        rejects = list(parsed.rejects)
        good = parsed.candidates
        phones = good.phones
        phone_list = phones.tolist()
        count = len(phone_list)
        dnc = self.store.dnc_among(phone_list) if count else set()
        usable = np.ones(count, dtype=bool)
        if dnc:
            usable = np.fromiter((p not in dnc for p in phone_list), dtype=bool, count=count)
            for i in np.flatnonzero(~usable).tolist():
                rejects.append(
                    Reject(int(good.row_numbers[i]), "dnc", None, parsed.values_at(good.positions[i]))
                )
        as_series = pd.Series(phones, dtype=object)
        earlier = as_series.duplicated().to_numpy()  # repeats within the chunk
        again = self.seen.keys() & set(phone_list)  # phones of earlier chunks
        if again:
            earlier = earlier | as_series.isin(again).to_numpy()
        first_rows = np.flatnonzero(usable & ~earlier)  # phones new to this file
        repeats = np.flatnonzero(usable & earlier)
        result.duplicates += len(repeats)

        first_phones = phones[first_rows].tolist()
        existing = self.store.existing_contacts(first_phones)
        if existing:
            is_new = np.fromiter(
                (p not in existing for p in first_phones), dtype=bool, count=len(first_phones)
            )
        else:
            is_new = np.ones(len(first_rows), dtype=bool)
        new = first_rows[is_new]
        ids = self.store.insert_contacts(self.result.batch_id, _new_contacts(good, new))
        self.seen.update(zip(phones[new].tolist(), ids.tolist(), strict=True))
        if not self.store.nothing_existed:
            self.loaded_contacts.update(ids.tolist())  # new: no opportunities in the database yet
        row_ids = np.zeros(count, dtype=np.int64)  # contact id per candidate row
        row_ids[new] = ids
        changes = []
        links: list[tuple[int, int]] = []  # updated contacts only: new ones carry first_batch_id
        for i in first_rows[~is_new].tolist():
            old = existing[phone_list[i]]
            self.seen[phone_list[i]] = row_ids[i] = old.id
            links.append((old.id, int(good.row_numbers[i])))
            merged = _merged(old.name, old.company, old.extra, good, i)
            if merged != (old.name, old.company, old.extra):
                changes.append((old.id, *merged))
        row_ids[repeats] = [self.seen[phone_list[i]] for i in repeats.tolist()]
        result.imported += len(new)
        result.updated += len(links)
        self.store.update_contacts(changes)
        self.store.link_updated(self.result.batch_id, links)
        if self.tag:
            self.store.tag(self.tag, ids.tolist() + [cid for cid, _ in links])
        made_here = np.zeros(count, dtype=bool)
        made_here[new] = True
        self._opportunities(good, np.flatnonzero(usable), row_ids, made_here)
        self._reject(rejects)

    def _opportunities(
        self, good: Candidates, indexes: np.ndarray, row_ids: np.ndarray, made_here: np.ndarray
    ) -> None:
        """Opportunities of the rows `indexes` (file order), one per contact and product.

        A contact created by this chunk can only repeat a product within the chunk; only the
        other rows (contacts of earlier chunks or of the database) are checked one by one."""
        wanted = indexes[good.products[indexes] != None]  # noqa: E711 (element-wise)
        if not len(wanted):
            return
        contact_ids, products = row_ids[wanted], good.products[wanted]
        keep = ~pd.DataFrame({"c": contact_ids, "p": products}).duplicated().to_numpy()
        keys = self.opportunity_keys
        older = np.flatnonzero(keep & ~made_here[wanted])
        if len(older):
            if not self.store.nothing_existed:
                unloaded = sorted(set(contact_ids[older].tolist()) - self.loaded_contacts)
                keys.update(self.store.existing_opportunity_keys(unloaded))
                self.loaded_contacts.update(unloaded)
            pairs = zip(contact_ids[older].tolist(), products[older].tolist(), strict=True)
            keep[older] = [pair not in keys for pair in pairs]
        fresh = np.flatnonzero(keep)
        keys.update(zip(contact_ids[fresh].tolist(), products[fresh].tolist(), strict=True))
        picked = wanted[fresh]
        created = NewOpportunities(
            contact_ids[fresh], products[fresh], good.comments[picked], good.qqs[picked]
        )
        self.store.insert_opportunities(self.result.batch_id, created)
        self.result.opportunities += len(fresh)

    def add_malformed(self) -> None:
        rejects = []
        header = self.reader.columns.header
        for row in self.reader.malformed:
            values = {
                (header[i] if i < len(header) else f"col_{i + 1}"): v for i, v in enumerate(row.values) if v
            }
            rejects.append(Reject(row.row_number, "malformed_row", row.detail, values))
        self.result.rows += len(rejects)
        self._reject(rejects)

    def _reject(self, rejects: list[Reject]) -> None:
        if not rejects:
            return
        rejects.sort(key=lambda r: r.row_number)
        self.result.rejected += len(rejects)
        self.reasons.update(r.reason for r in rejects)
        self.store.insert_rejects(self.result.batch_id, rejects)
        if self.workbook is not None:
            self.workbook.add(rejects)
        room = self.sample_rejects - len(self.result.rejected_samples)
        self.result.rejected_samples.extend(
            RejectedSample(r.row_number, r.reason, r.detail, r.values) for r in rejects[: max(room, 0)]
        )

    def finish(self) -> None:
        result = self.result
        result.rejected_by_reason = dict(sorted(self.reasons.items()))
        self.store.finish_batch(
            result.batch_id,
            {
                "rows": result.rows,
                "blank_rows": result.blank_rows,
                "imported": result.imported,
                "updated": result.updated,
                "duplicates": result.duplicates,
                "rejected": result.rejected,
                "opportunities": result.opportunities,
                "rejects_file": str(self.workbook.target) if self.workbook and self.workbook.rows else None,
            },
        )


def _new_contacts(good: Candidates, new: np.ndarray) -> NewContacts:
    if len(new) == len(good):  # the common case: every candidate is new
        return NewContacts(good.phones, good.kinds, good.names, good.companies, good.extras_json)
    return NewContacts(
        good.phones[new], good.kinds[new], good.names[new], good.companies[new], good.extras_json[new]
    )


def _merged(
    name: str | None, company: str | None, extra: dict[str, Any] | None, good: Candidates, i: int
) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """New non-empty values win; blanks in the file never erase what we know."""
    new_extra = good.extras_at(i)
    merged_extra = {**(extra or {}), **new_extra} if new_extra else extra
    return good.names[i] or name, good.companies[i] or company, merged_extra
