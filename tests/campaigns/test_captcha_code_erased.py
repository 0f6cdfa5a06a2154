"""Captcha codes are kept only while the call may still need them: stored for the placement, erased
in the same update that makes the attempt final (or unknown)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.models import CallAttempt, table_of
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.simulator_fixtures import running_simulator

_attempt = table_of(CallAttempt)


def test_codes_are_stored_while_calls_run_and_erased_when_final(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 20)
    cid = make_campaign(
        sqlite_engine, kind="captcha", tts=[], toneid=19, code_digits=6, channels=5, max_attempts=2
    )
    seen_in_flight: set[str] = set()
    done = threading.Event()

    def watch() -> None:  # what the table holds while calls are on their way
        while not done.wait(0.02):
            with sqlite_engine.connect() as conn:
                seen_in_flight.update(
                    c for c in conn.scalars(select(_attempt.c.code).where(_attempt.c.state == "placed")) if c
                )

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with running_simulator(channels=10, speed=100, seed=3) as sim:
            run_to_completion(sqlite_engine, connect(sim.base_url, None), cid, timeout=120)
    finally:
        done.set()
        watcher.join(10)
    assert seen_in_flight, "no code was ever stored for a placed call"
    with sqlite_engine.connect() as conn:
        rows = conn.execute(select(_attempt.c.state, _attempt.c.code)).all()
    final = [r for r in rows if r.state in ("final", "unknown")]
    assert final and all(r.code is None for r in final), "a final attempt still holds its captcha code"
