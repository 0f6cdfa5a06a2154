"""Read side of imports for pages and API: the batches in the database and their reject files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from batch_dialer.campaigns.models import ImportBatch, table_of

__all__ = ["batch_rejects_file", "recent_batches"]

_batch = table_of(ImportBatch)


def recent_batches(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                _batch.c.id,
                _batch.c.file_name,
                _batch.c.tag,
                _batch.c.status,
                _batch.c.rows,
                _batch.c.imported,
                _batch.c.updated,
                _batch.c.duplicates,
                _batch.c.rejected,
                _batch.c.opportunities,
                _batch.c.rejects_file,
                _batch.c.created_at,
            )
            .order_by(_batch.c.id.desc())
            .limit(limit)
        ).all()
    return [dict(row._mapping) for row in rows]


def batch_rejects_file(engine: Engine, batch_id: int, work_dir: Path) -> Path | None:
    """The batch's reject workbook when it was written by this console (inside its work directory)."""
    with engine.connect() as conn:
        stored = conn.scalar(select(_batch.c.rejects_file).where(_batch.c.id == batch_id))
    if not stored:
        return None
    path = Path(stored).resolve()
    if not path.is_file() or not path.is_relative_to(work_dir.resolve()):
        return None
    return path
