"""Acceptance (issue 10): a ``callback`` campaign with 5 agent accounts on the 800ing simulator,
20 % of pushes dropped and our endpoint down for a while in the middle.

Never two calls on one account, never above the trunk limit, every attempt's outcome and key equal
to the simulator's ground truth; a push sent twice counted once.

The issue's figures (200 contacts, 30 s down, push_list looked at after 20 s) took 145 s, nearly all
of it waiting: calls whose hang-up push was lost sit until the push_list sweep. The defaults (100
contacts, 15 s down, the sweep after 2 s) go through the same paths: pushes lost to the drop rate
and to the downtime, sweeps while the endpoint is still down and after it is back, in ~40 s.
ING800_CONTACTS=200 ING800_DOWN_S=30 ING800_RECONCILE_AFTER_S=20 runs the issue's figures.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from batch_dialer.callcenter.ing800 import HangupKind, Ing800Client
from batch_dialer.callcenter.ing800_simulator import Ing800SimConfig, start_in_thread
from batch_dialer.campaigns.account_vault import AccountVault, load_key
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.ing800_outcomes import outcome_for_hangup
from batch_dialer.campaigns.kinds import callback as callback_kind
from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.web.hook_settings import HookSettings
from batch_dialer.web.hooks_800ing import HookState
from batch_dialer.web.hooks_app import create_hooks_app
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.ing800.serving import serve_app

SECRET = "acceptance-secret"
AGENTS = ["8001", "8002", "8003", "8004", "8005"]
PASSWORD = "agent-pw"
TRUNKS = 3
DOWN_S = float(os.environ.get("ING800_DOWN_S", "15"))
CONTACTS = int(os.environ.get("ING800_CONTACTS", "100"))
RECONCILE_AFTER_S = float(os.environ.get("ING800_RECONCILE_AFTER_S", "2"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_callback_campaign_reaches_ground_truth_despite_drops_and_downtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callback_kind, "RECONCILE_AFTER", timedelta(seconds=RECONCILE_AFTER_S))
    url = f"sqlite:///{tmp_path / 'dialer.db'}"
    engine = open_database(url)
    vault = AccountVault(engine, load_key(url, create=True))
    for ext in AGENTS:
        vault.add(ext, PASSWORD)
    port = free_port()
    hooks = f"http://127.0.0.1:{port}/hooks/800ing/{SECRET}"
    app = create_hooks_app(HookState.from_settings(engine, HookSettings(hook_secret=SECRET)))
    down, stop = threading.Event(), threading.Event()

    def endpoint() -> None:
        with serve_app(app, port):
            down.wait()
        time.sleep(DOWN_S)
        with serve_app(app, port):
            stop.wait()

    server = threading.Thread(target=endpoint, daemon=True)
    config = Ing800SimConfig(
        accounts={ext: PASSWORD for ext in AGENTS},
        trunks=TRUNKS,
        speed=120.0,
        seed=21,
        push_url=f"{hooks}/cdr",
        key_url=f"{hooks}/key",
        push_drop_rate=0.2,
    )
    seed_contacts(engine, CONTACTS)
    campaign_id = make_campaign(
        engine,
        "回访",
        kind="callback",
        toneid=None,
        tts=[],
        agents=[",".join(AGENTS)],
        trunks=TRUNKS,
        max_attempts=1,
    )
    with start_in_thread(config) as sim, Ing800Client(sim.url) as centre:
        server.start()
        timer = threading.Timer(5.0, down.set)
        timer.start()
        try:
            run_to_completion(engine, centre, campaign_id, timeout=600)
        finally:
            timer.cancel()
            down.set()
            stop.set()
        truth = httpx.get(f"{sim.base_url}/_sim/truth").json()
    server.join(timeout=60)

    assert max(truth["peak_per_account"].values()) == 1 and truth["refused_busy_account"] == 0
    assert truth["peak_trunks"] <= TRUNKS and truth["refused_trunks"] == 0
    assert truth["pushes"]["dropped"] > 0
    attempts = table_of(CallAttempt)
    with engine.connect() as conn:
        rows = {
            r.token: r
            for r in conn.execute(
                select(attempts.c.token, attempts.c.outcome, attempts.c["keys"]).where(
                    attempts.c.campaign_id == campaign_id
                )
            )
        }
        pushes = table_of(Ing800Push)
        finals = conn.execute(select(pushes.c.paramvalue).where(pushes.c.push_type == 3)).scalars().all()
    calls = {c["paramvalue"]: c for c in truth["calls"]}
    assert set(calls) == set(rows) and len(rows) == CONTACTS
    for token, call in calls.items():
        row = rows[token]
        assert row.outcome == outcome_for_hangup(HangupKind(call["kind"])).value, token
        assert (row.keys or {}).get("satisfact") == call["keys"], token
    assert len(finals) == len(set(finals)) == CONTACTS  # each hang-up counted once
    engine.dispose()


def test_wrong_agent_password_pauses_the_campaign_with_the_reason(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from batch_dialer.campaigns.lifecycle import start
    from batch_dialer.campaigns.models import CallTask
    from batch_dialer.campaigns.progress import campaign_progress
    from batch_dialer.scheduler.embedded import EmbeddedEngine
    from tests.engine_support import FAST_TICKS, FAST_TIMINGS, wait_for

    url = f"sqlite:///{tmp_path / 'dialer.db'}"
    engine = open_database(url)
    AccountVault(engine, load_key(url, create=True)).add("8001", "not-the-password")
    seed_contacts(engine, 5)
    campaign_id = make_campaign(
        engine, "回访", kind="callback", toneid=None, tts=[], agents=["8001"], trunks=1
    )
    with (
        start_in_thread(Ing800SimConfig(accounts={"8001": PASSWORD})) as sim,
        Ing800Client(sim.url) as centre,
    ):
        start(engine, campaign_id, datetime.now(UTC))
        with EmbeddedEngine(engine, centre, timings=FAST_TIMINGS, intervals=FAST_TICKS):
            wait_for(lambda: campaign_progress(engine, campaign_id)["status"] == "paused", 120, "pause")
        truth = httpx.get(f"{sim.base_url}/_sim/truth").json()
    progress = campaign_progress(engine, campaign_id)
    assert "验证错误" in (progress["status_reason"] or "") and "-2" in progress["status_reason"]
    assert truth["calls"] == []  # nothing dialled, no contact burnt
    tasks = table_of(CallTask)
    with engine.connect() as conn:
        assert set(conn.execute(select(tasks.c.attempts)).scalars()) == {0}
    engine.dispose()
