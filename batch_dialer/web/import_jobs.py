"""Uploads between "file received" and "imported": preview (a full dry run in the background),
a changed mapping re-previews, confirm runs the real import in the background with progress.

Jobs live in this process's memory (a restart forgets unconfirmed previews; imported batches are in
the database). Each job owns a directory: the uploaded file, deleted once imported or discarded,
and the reject workbook, kept for download.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from batch_dialer.campaigns.clock import Clock
from batch_dialer.importers import REASONS, ImportRefused, ImportResult, prepare_import

__all__ = ["ImportJob", "ImportJobs", "JobState", "Preview", "reason_label"]

log = logging.getLogger(__name__)

JobState = Literal["previewing", "ready", "importing", "done", "failed"]
PREVIEW_ROWS = 10


def reason_label(code: str) -> str:
    return REASONS.get(code, code)


@dataclass(frozen=True)
class Preview:
    """What the manager checks before confirming: the header mapping, first rows and the counts."""

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

    def as_json(self) -> dict[str, Any]:
        preview = self.preview
        counts = preview.counts if preview else None
        return {
            "job_id": self.id,
            "file": self.display_name,
            "state": self.state,
            "progress": round(self.progress, 3),
            "error": self.error,
            "preview": None
            if preview is None
            else {
                "sheet": preview.sheet,
                "header_row": preview.header_row,
                "mapping": preview.mapping,
                "first_rows": preview.first_rows,
                "counts": None if counts is None else _counts(counts),
            },
            "result": None if self.result is None else self.result.summary(),
        }


def _counts(result: ImportResult) -> dict[str, Any]:
    shown = result.summary()
    for key in ("file", "batch_id", "rejects_file", "pushed"):
        shown.pop(key, None)
    return shown


def _first_rows(source: Path, sheet: str | None, overrides: Mapping[str, str]) -> list[list[str]]:
    reader = prepare_import(source, sheet=sheet, mapping=overrides, chunk_rows=PREVIEW_ROWS).reader
    for chunk in reader.chunks():
        frame = chunk.frame.head(PREVIEW_ROWS).fillna("")
        return [[str(v) for v in row] for row in frame.itertuples(index=False)]
    return []


class ImportJobs:
    """The registry of upload jobs, with a small thread pool for dry runs and imports."""

    def __init__(self, engine: Engine, clock: Clock, work_dir: Path) -> None:
        self.engine = engine
        self.clock = clock
        self.work_dir = work_dir
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="web-import")

    def new_directory(self) -> Path:
        directory = self.work_dir / secrets.token_hex(8)
        directory.mkdir(parents=True)
        return directory

    def get(self, job_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int = 20) -> list[ImportJob]:
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)
        return jobs[:limit]

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
        prepared = prepare_import(source, sheet=sheet, mapping=overrides, display_name=display_name)
        job = ImportJob(
            id=secrets.token_urlsafe(12),
            display_name=display_name,
            directory=directory,
            source=source,
            owner=owner,
            created_at=self.clock.now(),
            sheet=prepared.sheet,
            overrides=overrides,
        )
        job.preview = Preview(
            prepared.sheet,
            prepared.header_row,
            list(prepared.reader.columns.header),
            prepared.mapping,
            _first_rows(source, sheet, overrides),
        )
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._dry_run, job, job.generation, sheet, overrides)
        return job

    def remap(self, job: ImportJob, overrides: Mapping[str, str], sheet: str | None = None) -> None:
        """Re-preview with a changed mapping; ImportRefused leaves the previous preview in place."""
        if job.state not in ("ready", "previewing", "failed"):
            raise ImportRefused(job.display_name, "the import has already started")
        overrides = dict(overrides)
        sheet = sheet or job.sheet
        prepared = prepare_import(job.source, sheet=sheet, mapping=overrides, display_name=job.display_name)
        with self._lock:
            job.generation += 1
            job.overrides = overrides
            job.sheet = prepared.sheet
            job.state = "previewing"
            job.error = None
            job.preview = Preview(
                prepared.sheet,
                prepared.header_row,
                list(prepared.reader.columns.header),
                prepared.mapping,
                _first_rows(job.source, sheet, overrides),
            )
        self._pool.submit(self._dry_run, job, job.generation, sheet, overrides)

    def _dry_run(self, job: ImportJob, generation: int, sheet: str | None, overrides: dict[str, str]) -> None:
        try:
            prepared = prepare_import(
                job.source, sheet=sheet, mapping=overrides, display_name=job.display_name
            )
            counts = prepared.run(self.engine, dry_run=True, write_rejects_file=False, sample_rejects=20)
        except ImportRefused as exc:
            outcome: tuple[JobState, ImportResult | None, str | None] = ("failed", None, exc.problem)
        except Exception as exc:  # the preview must end in a state the page can show
            log.exception("dry run of upload %s failed", job.id)
            outcome = ("failed", None, f"预览失败 / preview failed: {type(exc).__name__}")
        else:
            outcome = ("ready", counts, None)
        with self._lock:
            if job.generation != generation or job.preview is None:
                return
            job.state, counts_or_none, job.error = outcome
            job.preview = Preview(**{**job.preview.__dict__, "counts": counts_or_none})
        if job.auto_confirm:
            self.confirm(job, job.tag)

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
            generation = job.generation
        self._pool.submit(self._import, job, generation)
        return True

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
        finally:
            job.source.unlink(missing_ok=True)

    def discard(self, job: ImportJob) -> None:
        with self._lock:
            if job.state == "importing":
                return
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.directory, ignore_errors=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
