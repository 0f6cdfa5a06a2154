"""`dialer run NAME` embedded: Ctrl-C pauses cleanly, running it again resumes to completion."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.progress import campaign_progress
from tests.engine_support import make_campaign, seed_contacts, wait_for
from tests.simulator_fixtures import running_simulator

DIALER = str(Path(sys.executable).with_name("dialer"))


def _env(db_url: str, centre: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env.update(
        DIALER_DATABASE_URL=db_url,
        DIALER_CALLCENTER_URL=centre,
        DIALER_POLL_INTERVAL="0.3",
        DIALER_PACER_INTERVAL="0.1",
    )
    return env


def test_ctrl_c_pauses_and_a_second_run_resumes(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'run.db'}"
    engine: Engine = open_database(db_url)
    seed_contacts(engine, 80)
    cid = make_campaign(engine, name="夜间回访", channels=5, max_attempts=2)
    with running_simulator(channels=10, speed=100, seed=9) as sim:
        env = _env(db_url, sim.base_url)
        first = subprocess.Popen(
            [DIALER, "run", "夜间回访", "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        wait_for(lambda: campaign_progress(engine, cid)["attempts"] >= 10, 60, "the first calls")
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
        paused = campaign_progress(engine, cid)
        assert first.returncode == 130, err.decode()
        assert "Traceback" not in err.decode()
        assert paused["status"] == "paused"
        assert paused["by_state"]["pending"] > 0  # interrupted well before the end

        second = subprocess.run(
            [DIALER, "run", "夜间回访", "--json"], env=env, capture_output=True, text=True, timeout=300
        )
        truth = sim.center.truth()
    assert second.returncode == 0, second.stderr
    final = json.loads(second.stdout)
    assert final["status"] == "completed"
    assert final["by_state"]["pending"] == final["by_state"]["in_flight"] == 0
    assert final["attempts"] == truth["calls_total"]  # calls in flight at Ctrl-C were still collected
    engine.dispose()
