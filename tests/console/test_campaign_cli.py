"""`dialer campaign …` end to end through the real command: create, show, lifecycle, clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS
from batch_dialer.campaigns.database import open_database
from tests.engine_support import seed_contacts

DIALER = str(Path(sys.executable).with_name("dialer"))
STATES = {"pending", "in_flight", "done", "invalid", "exhausted", "dnc", "cancelled", "unknown"}


@pytest.fixture
def dialer(tmp_path: Path):  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = open_database(db_url)
    seed_contacts(engine, 7)
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env["DIALER_DATABASE_URL"] = db_url

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DIALER, *args], env=env, capture_output=True, text=True, timeout=60)

    return run


def test_create_show_and_lifecycle(dialer) -> None:  # type: ignore[no-untyped-def]
    created = dialer(
        "campaign", "create", "回访", "--kind", "tts", "--all", "--toneid", "20",
        "--tts", "ttsabc=尊敬的{name}，您好", "--window", "09:00-12:00", "--window", "14:00-21:00",
        "--days", "mon-fri", "--retry", "busy=10m,30m", "--cap", "5/24h", "--channels", "8",
        "--cron", "0 19 * * mon-fri", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    state = json.loads(created.stdout)
    assert state["status"] == "scheduled" and state["tasks"] == 0
    assert set(state["by_state"]) == STATES
    assert {
        "campaign",
        "status",
        "tasks",
        "by_state",
        "attempts",
        "by_outcome",
        "started_at",
        "finished_at",
    } <= set(state)

    started = json.loads(dialer("campaign", "start", "回访", "--json").stdout)
    assert started["status"] == "running" and started["by_state"]["pending"] == 7
    assert json.loads(dialer("campaign", "pause", "回访", "--json").stdout)["status"] == "paused"
    assert json.loads(dialer("campaign", "resume", "回访", "--json").stdout)["status"] == "running"
    cancelled = json.loads(dialer("campaign", "cancel", "回访", "--json").stdout)
    assert cancelled["status"] == "cancelled" and cancelled["by_state"]["cancelled"] == 7
    listed = json.loads(dialer("campaign", "list", "--json").stdout)
    assert [c["campaign"] for c in listed] == ["回访"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--kind", "tts", "--all", "--tts", "ttsabc=x"), "--toneid"),
        (("--kind", "tts", "--all", "--toneid", "1", "--window", "9-21"), "--window"),
        (("--kind", "tts", "--toneid", "1"), "audience"),
        (("--kind", "fax", "--all"), "kind"),
        (("--kind", "tts", "--all", "--toneid", "1", "--cron", "99 * * * *"), "--cron"),
    ],
)
def test_bad_options_are_one_line(dialer, args: tuple[str, ...], needle: str) -> None:  # type: ignore[no-untyped-def]
    result = dialer("campaign", "create", "坏的", *args)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(dialer("campaign", "list", "--json").stdout) == []  # nothing half-written


def test_unknown_campaign_and_duplicate_name(dialer) -> None:  # type: ignore[no-untyped-def]
    missing = dialer("campaign", "show", "没有这个")
    assert missing.returncode == 2 and "no campaign named" in missing.stderr
    args = ("campaign", "create", "同名", "--kind", "tts", "--all", "--toneid", "1")
    assert dialer(*args).returncode == 0
    again = dialer(*args)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_a_kind_the_centre_cannot_run_is_refused_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process (the product registry is patched): a centre product without captcha calls."""
    from batch_dialer.callcenter import adapters
    from batch_dialer.callcenter.adapters import CentreProduct
    from batch_dialer.console.cli import main
    from tests.campaigns.test_kind_capabilities import TtsOnlyCentre

    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    seed_contacts(open_database(db_url), 3)
    product = CentreProduct("TtsOnly", lambda options: TtsOnlyCentre(), (TtsOnlyCentre,))
    monkeypatch.setitem(adapters.ADAPTERS, "ttsonly+http", product)
    monkeypatch.setenv("DIALER_DATABASE_URL", db_url)
    monkeypatch.setenv("DIALER_CALLCENTER_URL", "ttsonly+http://127.0.0.1:9")
    args = ["dialer", "campaign", "create", "验证码", "--kind", "captcha", "--all", "--toneid", "19"]
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "--kind captcha: the TtsOnly call centre has no " in err
    monkeypatch.setattr(sys, "argv", ["dialer", "campaign", "list", "--json"])
    with pytest.raises(SystemExit) as listed:
        main()
    assert listed.value.code in (0, None)
    assert json.loads(capsys.readouterr().out) == []  # nothing half-written


def test_create_says_how_many_contacts_match_and_warns_at_zero(dialer) -> None:  # type: ignore[no-untyped-def]
    common = ("--kind", "tts", "--toneid", "20", "--tts", "ttsabc=您好")
    everyone = dialer("campaign", "create", "全部", "--all", *common)
    assert everyone.returncode == 0 and "7 contact(s) match" in everyone.stderr
    nobody = dialer("campaign", "create", "无人", "--tag", "no-such-tag", *common)
    assert nobody.returncode == 0, nobody.stderr
    assert nobody.stderr.startswith("warning:") and "no contact matches" in nobody.stderr


def test_show_json_includes_the_labelled_figures(dialer) -> None:  # type: ignore[no-untyped-def]
    created = dialer(
        "campaign", "create", "看板", "--kind", "tts", "--all", "--toneid", "20",
        "--tts", "ttsabc=您好", "--window", "00:00-24:00",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert dialer("campaign", "start", "看板").returncode == 0
    shown = dialer("campaign", "show", "看板", "--json")
    assert shown.returncode == 0, shown.stderr
    figures = json.loads(shown.stdout)["figures"]
    assert figures["labels"] == FIGURE_LABELS
    assert figures["due_now"] == 7 and figures["in_flight"] == 0 and figures["attempts"] == 0
