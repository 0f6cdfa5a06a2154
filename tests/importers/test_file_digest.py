"""The batch row records the SHA-256 of the exact file imported (hashed in a thread meanwhile)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from batch_dialer.campaigns.models import ImportBatch, table_of
from batch_dialer.importers import import_file
from batch_dialer.importers.file_digest import FileDigest


def test_batch_records_the_file_digest(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = tmp_path / "list.csv"
    path.write_text("姓名,手机\n" + "".join(f"客户{i},1390000{i:04d}\n" for i in range(3000)), "utf-8")
    result = import_file(path, sqlite_engine)
    with sqlite_engine.connect() as conn:
        batch = table_of(ImportBatch)
        stored = conn.execute(select(batch.c.file_sha256).where(batch.c.id == result.batch_id)).scalar_one()
    assert stored == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_read_error_is_raised_by_hexdigest(tmp_path: Path) -> None:
    digest = FileDigest(tmp_path / "gone.csv")
    with pytest.raises(FileNotFoundError):
        digest.hexdigest()
