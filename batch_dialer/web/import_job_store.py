"""The upload jobs' rows in the database (table ``import_job``): enough to find a job's files again
after `dialer web` restarts, and to expire or remove them. Previews themselves are recomputed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from batch_dialer.campaigns.access_models import ImportJobRow
from batch_dialer.campaigns.models import ImportBatch, table_of

__all__ = ["StoredJob", "delete_job", "referenced_rejects", "save_job", "stored_jobs"]

_job = table_of(ImportJobRow)
_batch = table_of(ImportBatch)


@dataclass(frozen=True)
class StoredJob:
    id: str
    owner: str
    display_name: str
    directory: str
    source_name: str
    sheet: str | None
    overrides: dict[str, str]
    state: str
    error: str | None
    tag: str | None
    batch_id: int | None
    created_at: datetime
    touched_at: datetime


def save_job(engine: Engine, job: StoredJob) -> None:
    """Insert or update the job's row."""
    values: dict[str, Any] = {k: v for k, v in job.__dict__.items() if k != "id"}
    with engine.begin() as conn:
        moved = conn.execute(update(_job).where(_job.c.id == job.id).values(**values)).rowcount
        if not moved:
            conn.execute(insert(_job).values(id=job.id, **values))


def delete_job(engine: Engine, job_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(_job).where(_job.c.id == job_id))


def stored_jobs(engine: Engine) -> list[StoredJob]:
    with engine.connect() as conn:
        rows = conn.execute(select(_job).order_by(_job.c.created_at)).all()
    return [StoredJob(**dict(row._mapping)) for row in rows]


def referenced_rejects(engine: Engine, work_dir: Path) -> set[Path]:
    """Reject workbooks of imported batches that live in the console's work directory (kept for
    download, never cleaned up as orphans)."""
    base = work_dir.resolve()
    with engine.connect() as conn:
        stored = conn.scalars(select(_batch.c.rejects_file).where(_batch.c.rejects_file.is_not(None)))
        paths = {Path(p).resolve() for p in stored if p}
    return {p for p in paths if p.is_relative_to(base)}
