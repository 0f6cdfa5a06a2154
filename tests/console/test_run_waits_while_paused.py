"""`dialer run` no longer exits when its campaign is paused elsewhere: it keeps collecting the calls in
flight, says so in its heartbeat, and dials on after resume until the campaign completes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.engine_heartbeat import engine_status
from batch_dialer.campaigns.lifecycle import pause, resume
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.run_cli import run_campaign
from tests.engine_support import make_campaign, seed_contacts, wait_for
from tests.simulator_fixtures import running_simulator

SH = ZoneInfo("Asia/Shanghai")


def test_run_waits_while_paused_and_goes_on_after_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = open_database(url)
    seed_contacts(engine, 120)
    cid = make_campaign(engine, "paused-run", channels=5, max_attempts=2)
    outcome: dict[str, Any] = {}
    with running_simulator(channels=10, speed=200, seed=11) as sim:
        settings = Settings(
            database_url=url, callcenter_url=sim.base_url, poll_interval=0.3, pacer_interval=0.1
        )
        centre = connect(sim.base_url, None)

        def run() -> None:
            try:
                outcome["progress"] = run_campaign(settings, engine, centre, "paused-run", show_live=False)
            except BaseException as exc:  # the assertion below names it
                outcome["error"] = exc

        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        wait_for(lambda: campaign_progress(engine, cid)["attempts"] >= 5, 60, "the first calls")
        pause(engine, cid, "paused from the web console", actor="lily")
        # the calls in flight are still collected, and no new ones are placed
        wait_for(
            lambda: campaign_progress(engine, cid)["by_state"]["in_flight"] == 0,
            60,
            "in-flight calls collected",
        )
        assert runner.is_alive(), f"dialer run stopped on pause: {outcome.get('error')!r}"
        status = engine_status(engine, cid, utcnow(), SH)
        wait_for(
            lambda: "暂停" in (engine_status(engine, cid, utcnow(), SH).activity or ""),
            10,
            "a paused heartbeat",
        )
        assert status.running
        held = campaign_progress(engine, cid)["attempts"]
        assert campaign_progress(engine, cid)["by_state"]["pending"] > 0
        resume(engine, cid, actor="lily")
        runner.join(timeout=180)
        centre.close()
    assert not runner.is_alive() and "error" not in outcome, outcome.get("error")
    assert outcome["progress"]["status"] == "completed"
    assert outcome["progress"]["attempts"] > held
    stopped = engine_status(engine, cid, utcnow(), SH)
    assert not stopped.running and stopped.label.startswith("拨号引擎未运行，最后心跳 ")
    engine.dispose()
