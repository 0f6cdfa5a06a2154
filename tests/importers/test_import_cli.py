"""`dialer import` and `dialer dnc` from the outside: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from batch_dialer.callcenter.simulator import SimulatorConfig, start_in_thread
from batch_dialer.campaigns.settings import get_settings
from batch_dialer.console.cli import app
from tests.importers.file_builders import HEADER, truncate, write_csv, write_xlsx

ROWS: list[list[object]] = [
    HEADER,
    ["张三", "13800138000", "甲", "宽带", ""],
    ["李四", "1.38E+10", "", "", ""],
]


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DIALER_DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def dialer(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIALER_DATABASE_URL": f"sqlite:///{db}"}
    code = "from batch_dialer.console.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_refusals_exit_2_with_one_line_and_write_nothing(tmp_path: Path) -> None:
    files = {
        "0-byte": tmp_path / "empty.csv",
        "truncated": truncate(write_xlsx(tmp_path / "broken.xlsx", ROWS)),
        "no phone": write_csv(tmp_path / "nophone.csv", [["姓名", "公司"], ["张三", "甲"]]),
        "header only": write_csv(tmp_path / "header.csv", [HEADER]),
        "unknown": tmp_path / "photo.xls",
    }
    files["0-byte"].write_bytes(b"")
    files["unknown"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    db = tmp_path / "never.db"
    for what, path in files.items():
        done = dialer("import", str(path), db=db)
        assert done.returncode == 2, (what, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), (what, done.stderr)
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert not db.exists()  # refused before the database was even opened
    assert not list(tmp_path.glob("*.rejects.xlsx"))


def test_bad_map_option_is_a_usage_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS)
    done = dialer("import", str(path), "--map", "手机号码", db=tmp_path / "x.db")
    assert done.returncode == 2 and "expected 列名=field" in done.stderr


def test_import_json_dry_run_and_rejects(db_env: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "名单.csv", ROWS)
    runner = CliRunner()
    dry = runner.invoke(app, ["import", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    summary = json.loads(dry.stdout)
    assert summary == {
        "file": str(path), "batch_id": None, "rows": 2, "blank_rows": 0, "imported": 1, "updated": 0,
        "duplicates": 0, "rejected": 1, "rejected_by_reason": {"scientific_notation": 1}, "opportunities": 1,
        "rejects_file": None, "pushed": None,
    }  # fmt: skip
    rejects = tmp_path / "bad rows.xlsx"
    real = runner.invoke(app, ["import", str(path), "--json", "--tag", "五月", "--rejects", str(rejects)])
    assert real.exit_code == 0, real.output
    assert json.loads(real.stdout)["rejects_file"] == str(rejects) and rejects.exists()
    human = runner.invoke(app, ["import", str(path)])
    assert human.exit_code == 0
    assert "updated (already known)" in human.stdout and "scientific_notation" in human.stdout


def test_import_with_push(db_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with start_in_thread(SimulatorConfig()) as simulator:
        monkeypatch.setenv("DIALER_CALLCENTER_URL", simulator.base_url)
        get_settings.cache_clear()
        path = write_csv(tmp_path / "a.csv", ROWS)
        done = CliRunner().invoke(app, ["import", str(path), "--push", "--json"])
        assert done.exit_code == 0, done.output
        pushed = json.loads(done.stdout)["pushed"]
        assert pushed["contacts"] == {"pushed": 1, "present": 0, "failed": 0}
        assert pushed["opportunities"]["pushed"] == 1
        assert simulator.center.truth()["preorders"] == 1


def test_dnc_commands(db_env: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app, ["dnc", "add", "138-0013-8000", "+86 13900139000", "--reason", "投诉", "--json"]
    )
    assert added.exit_code == 0 and json.loads(added.stdout)["added"] == 2
    listed = runner.invoke(app, ["dnc", "list", "--json"])
    assert [e["phone"] for e in json.loads(listed.stdout)] == ["13800138000", "13900139000"]
    masked = runner.invoke(app, ["dnc", "list"])
    assert "138****8000" in masked.stdout and "13800138000" not in masked.stdout
    imported = runner.invoke(
        app, ["dnc", "import", str(write_csv(tmp_path / "d.csv", [["电话"], ["13700137000"]]))]
    )
    assert imported.exit_code == 0 and "added 1" in imported.stdout
    result = runner.invoke(app, ["import", str(write_csv(tmp_path / "a.csv", ROWS)), "--json"])
    assert json.loads(result.stdout)["rejected_by_reason"] == {"dnc": 1, "scientific_notation": 1}
    removed = runner.invoke(app, ["dnc", "remove", "13800138000", "--json"])
    assert json.loads(removed.stdout)["removed"] == 1
