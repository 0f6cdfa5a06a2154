"""Bad configuration gives one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.simulator_fixtures import running_simulator

DIALER = str(Path(sys.executable).with_name("dialer"))


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env)
    return subprocess.run([DIALER, *args], env=full, capture_output=True, text=True, timeout=60)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unreachable_centre(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    _one_line_error(_run("centre", "check", DIALER_CALLCENTER_URL=url), "unreachable", "127.0.0.1")


def test_url_that_is_no_call_centre(tmp_path: Path) -> None:
    with running_simulator() as sim:
        result = _run("centre", "check", DIALER_CALLCENTER_URL=f"{sim.base_url}/not/the/centre")
    _one_line_error(result, "404")


@pytest.mark.parametrize("url", ["ftp://example", "not a url"])
def test_malformed_url(url: str) -> None:
    _one_line_error(_run("centre", "check", DIALER_CALLCENTER_URL=url), "DIALER_CALLCENTER_URL")


def test_wrong_password() -> None:
    """§18 has no pwd: the test call carries (and so checks) it only with DIALER_GUOXIN_TTS_PWD=1."""
    with running_simulator(password="right-one") as sim:
        result = _run(
            "centre",
            "call",
            "13800138000",
            DIALER_CALLCENTER_URL=sim.base_url,
            DIALER_CALLCENTER_PASSWORD="wrong-one",
            DIALER_GUOXIN_TTS_PWD="1",
        )
    _one_line_error(result, "401")
    assert "wrong-one" not in result.stderr and "13800138000" not in result.stderr


def test_right_password_places_the_call() -> None:
    with running_simulator(password="right-one", speed=500) as sim:
        result = _run(
            "centre", "call", "13800138000", "--wait", "20",
            DIALER_CALLCENTER_URL=sim.base_url, DIALER_CALLCENTER_PASSWORD="right-one",
        )  # fmt: skip
        assert sim.center.truth()["calls_total"] == 1
    assert result.returncode == 0, result.stderr
    assert "result: state=" in result.stdout


def test_bad_database_url(tmp_path: Path) -> None:
    result = _run("campaign", "list", DIALER_DATABASE_URL="postgresql+psycopg://u:pw123@127.0.0.1:1/x")
    _one_line_error(result, "cannot open database")
    assert "pw123" not in result.stderr
