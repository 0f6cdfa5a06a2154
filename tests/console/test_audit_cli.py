"""`dialer audit` and `dialer retention` through the real command: the trail of a CLI-made campaign,
filters, one clear line for bad input, and the retention dry run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from batch_dialer.campaigns.database import open_database
from tests.engine_support import seed_contacts

DIALER = str(Path(sys.executable).with_name("dialer"))
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def dialer(tmp_path: Path) -> Run:
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = open_database(db_url)
    seed_contacts(engine, 4)
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env["DIALER_DATABASE_URL"] = db_url

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [DIALER, *args], env=env, capture_output=True, text=True, timeout=300
        )  # a loaded machine

    return run


def test_the_trail_of_a_cli_campaign(dialer: Run) -> None:
    made = dialer(
        "campaign", "create", "审计", "--kind", "tts", "--all", "--toneid", "20", "--days", "工作日"
    )
    assert made.returncode == 0, made.stderr
    for step in ("start", "pause", "resume", "cancel"):
        assert dialer("campaign", step, "审计").returncode == 0
    shown = dialer("audit", "--campaign", "审计", "--json")
    assert shown.returncode == 0, shown.stderr
    events = json.loads(shown.stdout)
    assert [e["action"] for e in reversed(events)] == ["create", "start", "pause", "resume", "cancel"]
    assert {e["actor"] for e in events} == {"cli"}
    only = json.loads(dialer("audit", "--action", "pause", "--json").stdout)
    assert [e["action"] for e in only] == ["pause"]
    table = dialer("audit", "--campaign", "审计")
    assert table.returncode == 0 and "暂停" in table.stdout


def test_bad_input_is_one_line(dialer: Run) -> None:
    unknown = dialer("audit", "--action", "delete")
    assert unknown.returncode != 0 and "--action 'delete': unknown" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    since = dialer("audit", "--since", "yesterday")
    assert since.returncode != 0 and "--since 'yesterday'" in since.stderr


def test_retention_dry_run_lists_nothing_for_fresh_campaigns(dialer: Run) -> None:
    result = dialer("retention", "--days", "30", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "0 campaign(s) finished more than 30 days ago" in result.stdout
