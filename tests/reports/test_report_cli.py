"""`dialer report` as a real process: one clear line and exit code 2 on user errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from batch_dialer.campaigns.database import open_database
from tests.reports.seed_data import seed

_MAIN = "from batch_dialer.console.cli import main; main()"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'dialer.db'}"
    engine = open_database(url)
    seed(engine)
    engine.dispose()
    return {
        **os.environ,
        "DIALER_DATABASE_URL": url,
        "DIALER_CALLCENTER_URL": f"http://127.0.0.1:{_closed_port()}",
    }


def _dialer(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _MAIN, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_json_and_file(env: dict[str, str], tmp_path: Path) -> None:
    result = _dialer(env, "report", "survey", "--format", "csv", "-o", str(tmp_path / "r.csv"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["file"] == str(tmp_path / "r.csv") and (tmp_path / "r.csv").exists()
    assert (doc["contacts"], doc["answered"], doc["keyed"], doc["attempts"]) == (12, 6, 5, 14)
    assert doc["by_outcome"]["dnc"] == 1 and doc["retry_yield"] == {"2": 1, "3": 1}


def test_unreachable_centre_is_a_note_not_a_failure(env: dict[str, str], tmp_path: Path) -> None:
    result = _dialer(env, "report", "survey", "-f", "html", "-o", str(tmp_path / "r.html"), "--unmasked")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {tmp_path / 'r.html'}"
    assert "call centre not reachable, cross-check skipped" in (tmp_path / "r.html").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "nope"), "error: report: no campaign named 'nope'"),
        (
            ("report", "survey", "-o", "/nonexistent-dir/r.xlsx"),
            "error: report: cannot write /nonexistent-dir/r.xlsx",
        ),
        (("report", "survey", "--format", "pdf"), "error: --format must be one of xlsx, csv, html"),
    ],
)
def test_user_errors_are_one_line(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = _dialer(env, *args, "--no-crosscheck")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message)
    assert "Traceback" not in result.stderr


def test_output_folder_with_a_trailing_slash_is_created(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "月报" / "十一月"
    made = _dialer(env, "report", "survey", "-f", "csv", "-o", f"{folder}/", "--no-crosscheck")
    assert made.returncode == 0, made.stderr
    written = list(folder.glob("survey-*.csv"))
    assert len(written) == 1 and made.stdout.strip() == f"wrote {written[0]}"
    missing = _dialer(env, "report", "survey", "-f", "csv", "-o", str(tmp_path / "nope" / "r.csv"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr  # without the slash: an error
    assert not (tmp_path / "nope").exists()
