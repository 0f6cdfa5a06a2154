"""The centre saying "unavailable" (480) slows the pacer down (AIMD) without losing or
double-counting anything; once it recovers the campaign speeds up again and completes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.embedded import EmbeddedEngine
from tests.engine_support import (
    FAST_TICKS,
    FAST_TIMINGS,
    attempts_by_phone,
    expected_attempts,
    make_campaign,
    seed_contacts,
    wait_for,
)
from tests.simulator_fixtures import running_simulator

SEED = 13


def test_480_slows_down_then_recovers(sqlite_engine: Engine) -> None:
    phones = seed_contacts(sqlite_engine, 150)
    cid = make_campaign(sqlite_engine, channels=12, max_attempts=2)
    with running_simulator(channels=20, speed=100, seed=SEED) as sim:
        centre = connect(sim.base_url, None)
        start(sqlite_engine, cid, datetime.now(UTC))
        with EmbeddedEngine(sqlite_engine, centre, timings=FAST_TIMINGS, intervals=FAST_TICKS) as engine:
            pacing = engine.dispatcher
            wait_for(lambda: campaign_progress(sqlite_engine, cid)["attempts"] >= 20, 60, "calls going out")
            sim.center.set_faults(unavailable=True)
            wait_for(lambda: pacing.last_report.effective_channels <= 3, 30, "the pacer to back off")
            refused_before = sim.center.truth()["responses"].get("480", 0)
            assert refused_before > 0
            sim.center.set_faults(unavailable=False)
            wait_for(lambda: pacing.last_report.effective_channels == 12, 60, "the pacer to recover")
            wait_for(
                lambda: campaign_progress(sqlite_engine, cid)["status"] == "completed", 120, "completion"
            )
        truth = sim.center.truth()
    ours = attempts_by_phone(sqlite_engine, cid)
    assert all(ours[p] == expected_attempts(SEED, p, 2) for p in phones)  # refusals were not attempts
    assert truth["calls_by_number"] == {p: n for p, (n, _) in ours.items() if n}
