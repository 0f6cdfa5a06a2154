"""Uploads between "file received" and "imported": preview (a full dry run in the background),
a changed mapping re-previews, confirm runs the real import in the background with progress.

The file is read once per preview: the check that refuses unreadable files, the first rows and the
dry run's counts all come from one pass of the importer (``prepare_import`` then ``run``).

Each job owns a directory under ``work_dir``: the uploaded file, deleted once imported or discarded,
and the reject workbook, kept for download. Jobs are also rows in ``import_job``, so a restart finds
their files again: :meth:`ImportJobs.recover` re-previews what was waiting, marks an import the
restart cut off as failed, and removes expired jobs and directories no job or batch owns. A job not
confirmed or discarded within ``ttl`` of its last change is removed (its files too); a finished job
leaves the list after ``ttl`` (its reject workbook stays with the batch).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from batch_dialer.campaigns.audit_trail import record
from batch_dialer.campaigns.clock import Clock
from batch_dialer.importers import REASONS, ImportRefused, ImportResult, PreparedImport, prepare_import
from batch_dialer.importers.formats import sniff_format
from batch_dialer.importers.header_mapping import HEADER_IS_FIRST_ROW
from batch_dialer.importers.reading import open_table
from batch_dialer.importers.sheet_loading import NO_PHONE
from batch_dialer.web.import_job_store import (
    StoredJob,
    delete_job,
    referenced_rejects,
    save_job,
    stored_jobs,
)
from batch_dialer.web.preview_display import shown_cell, truncated

__all__ = ["ImportJob", "ImportJobs", "JobState", "Preview", "reason_label"]

log = logging.getLogger(__name__)

JobState = Literal["mapping", "previewing", "ready", "importing", "done", "failed"]
PREVIEW_ROWS = 10
PICK_PHONE = (
    "没有识别出电话号码列，请在下面的表头对应中选出哪一列是「电话」，再重新预览"
    " / no phone column recognised: pick it below"
)
INTERRUPTED = "导入被服务重启中断，请先查看已导入的批次，再重新预览 / the import was cut off by a restart"


def reason_label(code: str) -> str:
    return REASONS.get(code, code)


@dataclass(frozen=True)
class Preview:
    """What the manager checks before confirming: the header mapping, first rows and the counts.

    Header labels stay whole (they are what a mapping names); cells are cut to the display length
    when stored, labels when shown.
    """

    sheet: str | None
    header_row: int
    header: list[str]
    mapping: dict[str, str]  # header label -> field (name, phone, …, extra)
    first_rows: list[list[str]]
    counts: ImportResult | None = None  # the dry run, once finished


@dataclass
class ImportJob:
    id: str
    display_name: str
    directory: Path
    source: Path
    owner: str
    created_at: datetime
    touched_at: datetime
    sheet: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    state: JobState = "previewing"
    progress: float = 0.0
    preview: Preview | None = None
    result: ImportResult | None = None
    error: str | None = None
    tag: str | None = None
    auto_confirm: bool = False  # API uploads with confirm=true import right after the dry run
    generation: int = 0  # bumped by a re-preview, so a stale dry run does not overwrite a newer one

    @property
    def rejects_path(self) -> Path:
        return self.directory / "rejects.xlsx"

    def stored(self) -> StoredJob:
        return StoredJob(
            id=self.id,
            owner=self.owner,
            display_name=self.display_name,
            directory=self.directory.name,
            source_name=self.source.name,
            sheet=self.sheet,
            overrides=dict(self.overrides),
            state=self.state,
            error=self.error,
            tag=self.tag,
            batch_id=self.result.batch_id if self.result else None,
            created_at=self.created_at,
            touched_at=self.touched_at,
        )

    def as_json(self, *, masked: bool, cell_limit: int) -> dict[str, Any]:
        """The API's view; ``masked`` (viewers) hides phone numbers, every cell is cut for display."""
        preview = self.preview
        counts = preview.counts if preview else None
        return {
            "job_id": self.id,
            "file": self.display_name,
            "owner": self.owner,
            "state": self.state,
            "progress": round(self.progress, 3),
            "error": self.error,
            "preview": None
            if preview is None
            else {
                "sheet": preview.sheet,
                "header_row": preview.header_row,
                "mapping": {truncated(k, cell_limit): v for k, v in preview.mapping.items()},
                "first_rows": [
                    [shown_cell(v, cell_limit, masked) for v in row] for row in preview.first_rows
                ],
                "counts": None if counts is None else _counts(counts),
            },
            "result": None if self.result is None else self.result.summary(),
        }


def _counts(result: ImportResult) -> dict[str, Any]:
    shown = result.summary()
    for key in ("file", "batch_id", "rejects_file", "pushed"):
        shown.pop(key, None)
    return shown


def _prepare_preview(
    source: Path, display_name: str, sheet: str | None, overrides: Mapping[str, str], cell_limit: int
) -> tuple[PreparedImport, Preview]:
    """Check the file and take its first rows from the importer's own first chunk, which is then
    handed back so the dry run reads on from there (one pass over the file, not three)."""
    prepared = prepare_import(source, sheet=sheet, mapping=overrides, display_name=display_name)
    header = list(prepared.reader.columns.header)
    chunks: Iterator[Any] = prepared._chunks
    first = next(chunks, None)
    rows: list[list[str]] = []
    if first is not None:
        for position in range(first.rows + first.blank_rows):
            if len(rows) >= PREVIEW_ROWS:
                break
            values = first.values_at(position)
            rows.append([truncated(values.get(label, ""), cell_limit) for label in header])
        prepared._chunks = chain([first], chunks)
    preview = Preview(prepared.sheet, prepared.header_row, header, prepared.mapping, rows)
    return prepared, preview


def _preview_or_mapping(
    source: Path, display_name: str, sheet: str | None, overrides: Mapping[str, str], cell_limit: int
) -> tuple[PreparedImport | None, Preview]:
    """The preview; when no column is recognised as the phone one, the first row taken as the header
    and no import prepared (None): the manager picks the phone column on the mapping screen."""
    try:
        return _prepare_preview(source, display_name, sheet, overrides, cell_limit)
    except ImportRefused as exc:
        if exc.problem != NO_PHONE:
            raise
    unmapped = {**overrides, HEADER_IS_FIRST_ROW: "ignore"}
    reader = open_table(source, sniff_format(source), sheet=sheet, overrides=unmapped)
    header = list(reader.columns.header)
    rows: list[list[str]] = []
    for chunk in reader.chunks():
        for values in chunk.frame.itertuples(index=False):
            if len(rows) >= PREVIEW_ROWS:
                break
            rows.append([truncated(str(v), cell_limit) for v in list(values)[: len(header)]])
        if len(rows) >= PREVIEW_ROWS:
            break
    mapping = {k: v for k, v in reader.columns.as_mapping().items() if v != "phone"}
    return None, Preview(reader.sheet, reader.header_row, header, mapping, rows)


class ImportJobs:
    """The registry of upload jobs, with a small thread pool for dry runs and imports."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        work_dir: Path,
        ttl: timedelta = timedelta(hours=24),
        cell_limit: int = 200,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.work_dir = work_dir
        self.ttl = ttl
        self.cell_limit = cell_limit
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="web-import")
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    # -- reading ---------------------------------------------------------------------------------

    def new_directory(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        directory = self.work_dir / secrets.token_hex(8)
        directory.mkdir()
        return directory

    def get(self, job_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int = 20) -> list[ImportJob]:
        self.expire()
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)
        return jobs[:limit]

    # -- changes ---------------------------------------------------------------------------------

    def _save(self, job: ImportJob) -> None:
        save_job(self.engine, job.stored())

    def open_upload(
        self,
        directory: Path,
        source: Path,
        display_name: str,
        owner: str,
        sheet: str | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> ImportJob:
        """Check the file (ImportRefused when it cannot be imported; the caller removes the directory)
        and start its dry run."""
        overrides = dict(overrides or {})
        prepared, preview = _preview_or_mapping(source, display_name, sheet, overrides, self.cell_limit)
        now = self.clock.now()
        job = ImportJob(
            id=secrets.token_urlsafe(12),
            display_name=display_name,
            directory=directory,
            source=source,
            owner=owner,
            created_at=now,
            touched_at=now,
            sheet=preview.sheet,
            overrides=overrides,
            preview=preview,
        )
        if prepared is None:
            job.state, job.error = "mapping", PICK_PHONE
        self._save(job)
        with self._lock:
            self._jobs[job.id] = job
        if prepared is not None:
            self._pool.submit(self._dry_run, job, job.generation, prepared)
        return job

    def remap(self, job: ImportJob, overrides: Mapping[str, str], sheet: str | None = None) -> None:
        """Re-preview with a changed mapping; ImportRefused leaves the previous preview in place."""
        if job.state not in ("mapping", "ready", "previewing", "failed"):
            raise ImportRefused(job.display_name, "the import has already started")
        overrides = dict(overrides)
        prepared, preview = _preview_or_mapping(
            job.source, job.display_name, sheet or job.sheet, overrides, self.cell_limit
        )
        with self._lock:
            job.generation += 1
            job.overrides = overrides
            job.sheet = preview.sheet
            job.state, job.error = ("previewing", None) if prepared is not None else ("mapping", PICK_PHONE)
            job.preview = preview
            job.touched_at = self.clock.now()
            generation = job.generation
        self._save(job)
        if prepared is not None:
            self._pool.submit(self._dry_run, job, generation, prepared)

    def _dry_run(self, job: ImportJob, generation: int, prepared: PreparedImport) -> None:
        try:
            counts = prepared.run(self.engine, dry_run=True, write_rejects_file=False, sample_rejects=20)
        except ImportRefused as exc:
            outcome: tuple[JobState, ImportResult | None, str | None] = ("failed", None, exc.problem)
        except Exception as exc:  # the preview must end in a state the page can show
            log.exception("dry run of upload %s failed", job.id)
            outcome = ("failed", None, f"预览失败 / preview failed: {type(exc).__name__}")
        else:
            outcome = ("ready", counts, None)
        with self._lock:
            if job.generation != generation or job.preview is None or job.id not in self._jobs:
                return
            job.state, counts_or_none, job.error = outcome
            job.preview = replace(job.preview, counts=counts_or_none)
        self._save(job)
        if job.auto_confirm:
            self.confirm(job, job.tag)

    def _reopen(self, job: ImportJob) -> None:
        """After a restart: the preview again, from the stored file."""
        try:
            prepared, preview = _preview_or_mapping(
                job.source, job.display_name, job.sheet, job.overrides, self.cell_limit
            )
        except ImportRefused as exc:
            with self._lock:
                job.state, job.error = "failed", exc.problem
            self._save(job)
            return
        except Exception as exc:
            log.exception("re-preview of upload %s failed", job.id)
            with self._lock:
                job.state, job.error = "failed", f"预览失败 / preview failed: {type(exc).__name__}"
            self._save(job)
            return
        with self._lock:
            job.preview = preview
            generation = job.generation
            if prepared is None:
                job.state, job.error = "mapping", PICK_PHONE
        if prepared is None:
            self._save(job)
            return
        self._dry_run(job, generation, prepared)

    def confirm_when_ready(self, job: ImportJob) -> None:
        """Import as soon as the dry run is done (or now, when it already is)."""
        job.auto_confirm = True
        self.confirm(job, job.tag)

    def confirm(self, job: ImportJob, tag: str | None = None) -> bool:
        """Start the real import; False when the job is not waiting for a confirmation."""
        with self._lock:
            if job.state != "ready":
                return False
            job.state = "importing"
            job.auto_confirm = False
            job.progress = 0.0
            job.tag = tag
            job.touched_at = self.clock.now()
            generation = job.generation
        self._save(job)
        self._pool.submit(self._import, job, generation)
        return True

    def take_over(self, job: ImportJob, new_owner: str) -> None:
        """A manager makes someone else's upload their own (then may confirm or discard it)."""
        with self._lock:
            job.owner = new_owner
            job.touched_at = self.clock.now()
        self._save(job)

    def _import(self, job: ImportJob, generation: int) -> None:
        def progress(fraction: float) -> None:
            job.progress = max(job.progress, min(fraction, 1.0))

        try:
            prepared = prepare_import(
                job.source, sheet=job.sheet, mapping=job.overrides, display_name=job.display_name
            )
            result = prepared.run(
                self.engine, tag=job.tag, rejects_path=job.rejects_path, progress=progress, sample_rejects=20
            )
        except ImportRefused as exc:
            job.error, job.state = exc.problem, "failed"
        except Exception as exc:
            log.exception("import of upload %s failed", job.id)
            job.error, job.state = f"导入失败 / import failed: {type(exc).__name__}", "failed"
        else:
            job.result, job.progress, job.state = result, 1.0, "done"
            detail = {"batch_id": result.batch_id, "imported": result.imported, "rejected": result.rejected}
            record(self.engine, job.owner, "import", subject=job.display_name, detail=detail)
        finally:
            job.source.unlink(missing_ok=True)
            job.touched_at = self.clock.now()
            self._save(job)

    def discard(self, job: ImportJob) -> bool:
        """Forget the job and delete its files; False while it is importing."""
        with self._lock:
            if job.state == "importing":
                return False
            self._jobs.pop(job.id, None)
        delete_job(self.engine, job.id)
        shutil.rmtree(job.directory, ignore_errors=True)
        return True

    # -- housekeeping ----------------------------------------------------------------------------

    def expire(self) -> int:
        """Remove jobs untouched for ``ttl``: waiting ones with their files, finished ones from the
        list only (their reject workbook belongs to the batch). The number removed."""
        cutoff = self.clock.now() - self.ttl
        with self._lock:
            old = [j for j in self._jobs.values() if j.touched_at <= cutoff and j.state != "importing"]
        for job in old:
            if job.state == "done":
                with self._lock:
                    self._jobs.pop(job.id, None)
                delete_job(self.engine, job.id)
            else:
                self.discard(job)
        if old:
            log.info("expired %d upload job(s) not touched for %s", len(old), self.ttl)
        return len(old)

    def recover(self) -> None:
        """At start: reload the jobs a previous run left, then remove expired jobs and directories
        that no job or imported batch owns."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        cutoff = self.clock.now() - self.ttl
        reopen: list[ImportJob] = []
        for row in stored_jobs(self.engine):
            directory = self.work_dir / Path(row.directory).name
            job = ImportJob(
                id=row.id,
                display_name=row.display_name,
                directory=directory,
                source=directory / Path(row.source_name).name,
                owner=row.owner,
                created_at=row.created_at,
                touched_at=row.touched_at,
                sheet=row.sheet,
                overrides=dict(row.overrides or {}),
                tag=row.tag,
            )
            if row.state == "done" or row.touched_at <= cutoff or not job.source.is_file():
                delete_job(self.engine, row.id)  # its directory goes below unless a batch owns it
                continue
            if row.state == "importing":
                job.state, job.error = "failed", INTERRUPTED
                self._save(job)
            elif row.state == "failed":
                job.state, job.error = "failed", row.error
            else:
                reopen.append(job)
            with self._lock:
                self._jobs[job.id] = job
        self._remove_orphans()
        for job in reopen:
            self._pool.submit(self._reopen, job)

    def _remove_orphans(self) -> None:
        with self._lock:
            live = {j.directory.resolve() for j in self._jobs.values()}
        kept = {p.parent for p in referenced_rejects(self.engine, self.work_dir)}
        for entry in self.work_dir.iterdir():
            resolved = entry.resolve()
            if resolved in live or resolved in kept:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            log.info("removed %s: no upload job or batch owns it", entry.name)

    def start_sweeping(self, every_s: float) -> None:
        """Expire old jobs every ``every_s`` seconds in a background thread (until :meth:`close`)."""

        def sweep() -> None:
            while not self._stop.wait(every_s):
                try:
                    self.expire()
                except Exception:  # a database hiccup must not end the sweeping
                    log.exception("expiring upload jobs failed")

        self._sweeper = threading.Thread(target=sweep, name="web-upload-expiry", daemon=True)
        self._sweeper.start()

    def close(self) -> None:
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
