"""A second import waiting on SQLite's write lock: it waits (long, by default), then says so in one
line and exits 2; when the lock is released in time it simply imports."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from batch_dialer.campaigns import database
from batch_dialer.campaigns.database import open_database
from tests.importers.file_builders import HEADER, write_csv

ROWS: list[list[object]] = [HEADER, ["张三", "13800138000", "甲", "宽带", ""]]


def _dialer(db: Path, *args: str, busy_s: float) -> subprocess.Popen[str]:
    code = (
        "import batch_dialer.campaigns.database as d; "
        f"d.SQLITE_BUSY_TIMEOUT_S = {busy_s}; "
        "from batch_dialer.console.cli import main; main()"
    )
    env = {**os.environ, "DIALER_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _locked(db: Path) -> sqlite3.Connection:
    open_database(f"sqlite:///{db}").dispose()  # the schema exists, as after a first import
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    return holder


def test_waits_then_one_line_and_exit_2(tmp_path: Path) -> None:
    assert database.SQLITE_BUSY_TIMEOUT_S >= 120  # the default waits far longer than the old 30 s
    db = tmp_path / "d.db"
    holder = _locked(db)
    try:
        started = time.monotonic()
        process = _dialer(db, "import", str(write_csv(tmp_path / "a.csv", ROWS)), busy_s=2)
        out, err = process.communicate(timeout=120)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert process.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "stayed locked by another writer" in lines[0] and "2 s" in lines[0], err
    assert "Traceback" not in err and out == ""
    assert waited >= 2
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM contact").fetchone() == (0,)


def test_an_import_that_gets_the_lock_in_time_goes_through(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    holder = _locked(db)
    release = threading.Timer(1.0, lambda: (holder.execute("COMMIT"), holder.close()))
    release.start()
    try:
        process = _dialer(db, "import", str(write_csv(tmp_path / "a.csv", ROWS)), "--json", busy_s=60)
        _out, err = process.communicate(timeout=120)
    finally:
        release.join()
    assert process.returncode == 0, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM contact").fetchone() == (1,)
