"""`DIALER_LOG_LEVEL` sets the level of every `dialer` process: one-shot commands, the worker, the
scheduler and the web console (uvicorn's access log included); a bad value is one line, exit 2."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from batch_dialer.campaigns.database import open_database
from tests.importers.file_builders import HEADER, write_csv

CODE = "from batch_dialer.console.cli import main; main()"
DEADLINE_S = 90


def _env(db: Path, level: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DIALER_LOG_LEVEL"}
    env.update({"DIALER_DATABASE_URL": f"sqlite:///{db}", **extra})
    if level is not None:
        env["DIALER_LOG_LEVEL"] = level
    return env


class Lines:
    """A running process's stdout and stderr lines, read by threads; `until` waits for a pattern."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._seen: queue.Queue[tuple[str, str]] = queue.Queue()
        for name in ("stdout", "stderr"):
            threading.Thread(target=self._read, args=(name,), daemon=True).start()

    def _read(self, name: str) -> None:
        stream = getattr(self.process, name)
        for line in stream:
            getattr(self, name).append(line)
            self._seen.put((name, line))

    def until(self, name: str, pattern: str) -> str:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            try:
                where, line = self._seen.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None and self._seen.empty():
                    break
                continue
            if where == name and re.search(pattern, line):
                return line
        raise AssertionError(f"no {pattern!r} on {name}; stderr: {''.join(self.stderr)[-2000:]}")


@contextmanager
def running(*args: str, env: dict[str, str]) -> Iterator[Lines]:
    process = subprocess.Popen(
        [sys.executable, "-c", CODE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        yield Lines(process)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_one_shot_command_follows_the_level(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER, ["张三", "13800138000", "", "", ""]])
    quiet = subprocess.run(
        [sys.executable, "-c", CODE, "import", str(path), "--json", "--dry-run"],
        capture_output=True, text=True, env=_env(tmp_path / "q.db", None), timeout=DEADLINE_S, check=False,
    )  # fmt: skip
    assert quiet.returncode == 0 and quiet.stderr == ""
    loud = subprocess.run(
        [sys.executable, "-c", CODE, "import", str(path), "--json", "--dry-run"],
        capture_output=True, text=True, env=_env(tmp_path / "l.db", "info"), timeout=DEADLINE_S, check=False,
    )  # fmt: skip
    assert loud.returncode == 0, loud.stderr
    assert re.search(r" INFO batch_dialer\.importers\.batch_import: imported ", loud.stderr), loud.stderr
    bad = subprocess.run(
        [sys.executable, "-c", CODE, "config"],
        capture_output=True, text=True, env=_env(tmp_path / "b.db", "loud"), timeout=DEADLINE_S, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "configuration: DIALER_LOG_LEVEL" in lines[0], bad.stderr


@pytest.mark.redis
def test_worker_follows_the_level(tmp_path: Path, redis_server_url: str, redis_namespace: str) -> None:
    db = tmp_path / "w.db"
    open_database(f"sqlite:///{db}").dispose()
    extra = {"DIALER_REDIS_URL": redis_server_url, "DIALER_REDIS_NAMESPACE": redis_namespace}
    with running("worker", "--threads", "1", env=_env(db, None, **extra)) as default:
        default.until("stderr", r" INFO batch_dialer\.engine: worker started")
        assert not any(" DEBUG " in line for line in default.stderr)
    with running("worker", "--threads", "1", env=_env(db, "DEBUG", **extra)) as debug:
        debug.until("stderr", r" DEBUG ")


@pytest.mark.redis
def test_scheduler_follows_the_level(tmp_path: Path, redis_server_url: str, redis_namespace: str) -> None:
    db = tmp_path / "s.db"
    open_database(f"sqlite:///{db}").dispose()
    extra = {"DIALER_REDIS_URL": redis_server_url, "DIALER_REDIS_NAMESPACE": redis_namespace}
    with running("scheduler", env=_env(db, "ERROR", **extra)) as quiet:
        quiet.until("stdout", r"scheduler .* running")  # printed after the jobs were added (INFO lines)
        assert not any(" INFO " in line for line in quiet.stderr), quiet.stderr
    with running("scheduler", env=_env(db, "DEBUG", **extra)) as debug:
        debug.until("stderr", r" DEBUG ")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("level", [None, "INFO"])
def test_web_follows_the_level(level: str | None, tmp_path: Path) -> None:
    db = tmp_path / "web.db"
    open_database(f"sqlite:///{db}").dispose()
    port = _free_port()
    env = _env(db, level, DIALER_WEB_WORK_DIR=str(tmp_path / "uploads"))
    with running("web", "--port", str(port), env=env) as web:
        web.until("stdout", r"web console on")
        deadline = time.monotonic() + DEADLINE_S
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "".join(web.stderr)
                time.sleep(0.2)
        assert response.status_code == 200
        if level == "INFO":
            web.until("stdout", r'"GET /login HTTP/1\.1" 200')  # uvicorn's access log is on stdout
    if level is None:
        assert not any("GET /login" in line for line in web.stdout + web.stderr), web.stdout


@pytest.mark.parametrize(
    ("configured", "expected"), [("INFO", "WARNING"), ("DEBUG", "DEBUG"), ("ERROR", "ERROR")]
)
def test_job_runs_are_not_logged_at_info(configured: str, expected: str) -> None:
    """APScheduler logs every run of the 0.1 s pacer job at INFO: heard from only at WARNING or DEBUG."""
    import logging

    from batch_dialer.console.log_setup import configure_logging

    configure_logging(configured)  # tests/conftest.py puts pytest's logging back afterwards
    chatty = logging.getLogger("apscheduler.executors.default").getEffectiveLevel()
    assert logging.getLevelName(chatty) == expected
    assert logging.getLevelName(logging.getLogger("batch_dialer.scheduler").getEffectiveLevel()) == configured
