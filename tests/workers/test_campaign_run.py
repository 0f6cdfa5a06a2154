"""A whole campaign against the simulator: embedded (SQLite + fakeredis) and over real
PostgreSQL + Redis. Every task ends final, attempts equal what the policy implies for the
simulator's outcomes, channels are never overrun and no token is placed twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.broker import broker_from_url
from batch_dialer.workers.runtime import Timings
from tests.engine_support import (
    attempts_by_phone,
    expected_attempts,
    make_campaign,
    placed_tokens,
    run_to_completion,
    seed_contacts,
)
from tests.simulator_fixtures import running_simulator

SEED = 7
FAST = Timings(poll_interval_s=0.3, claim_lease_s=10.0)
TICKS = Intervals(pace=0.1, polls=0.2, recover=1.0, lifecycle=0.3)


@pytest.fixture(params=["embedded", "scaled"])
def setup(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[tuple[Engine, object]]:
    """(engine, broker): SQLite + fakeredis, or PostgreSQL + the real Redis server."""
    if request.param == "embedded":
        engine = open_database(f"sqlite:///{tmp_path}/run.db")
        yield engine, None
    else:
        url = request.getfixturevalue("pg_url")
        namespace = request.getfixturevalue("redis_namespace")
        redis_url = request.getfixturevalue("redis_server_url")
        engine = open_database(url, auto_upgrade=True)
        yield engine, broker_from_url(redis_url, namespace)
    engine.dispose()


def test_campaign_of_500_completes_as_the_policy_implies(setup: tuple[Engine, object]) -> None:
    engine, broker = setup
    phones = seed_contacts(engine, 500)
    campaign_id = make_campaign(engine, channels=10, max_attempts=3)
    with running_simulator(channels=30, speed=300, seed=SEED) as sim:
        centre = connect(sim.base_url, None)
        run_to_completion(engine, centre, campaign_id, broker=broker)
        truth = sim.center.truth()

    progress = campaign_progress(engine, campaign_id)
    assert progress["by_state"]["pending"] == 0 and progress["by_state"]["in_flight"] == 0
    ours = attempts_by_phone(engine, campaign_id)
    expected = {phone: expected_attempts(SEED, phone, 3) for phone in phones}
    mismatched = {p: (ours[p], expected[p]) for p in phones if ours[p] != expected[p]}
    assert not mismatched, (
        f"{len(mismatched)} contacts differ from the policy, e.g. {list(mismatched.items())[:3]}"
    )
    assert {s for _, s in expected.values()} >= {
        "done",
        "invalid",
        "exhausted",
    }  # the run covered every ending

    # seen from outside: the centre never had more than our 10 channels busy and never said 486
    assert truth["peak_channels"] <= 10
    assert truth["rejected_486"] == 0
    assert truth["calls_by_number"] == {p: n for p, (n, _) in ours.items() if n}
    tokens = placed_tokens(engine, campaign_id)
    assert len(tokens) == len(set(tokens)) == truth["calls_total"] == progress["attempts"]
    assert not [t for t, n in Counter(tokens).items() if n > 1]
