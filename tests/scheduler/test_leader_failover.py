"""One scheduler, provably, with real processes over real Redis and PostgreSQL: the active scheduler is
frozen (SIGSTOP) mid-campaign; the stand-by takes over within the lease; when the frozen one is
resumed (SIGCONT) it claims nothing: no call above the channel limit, no token placed twice.
(A killed leader is covered by tests/workers/test_crash_recovery.py.)"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.progress import campaign_progress
from tests.engine_support import make_campaign, placed_tokens, seed_contacts, wait_for
from tests.simulator_fixtures import running_simulator
from tests.workers.test_crash_recovery import Processes

TTL = 3.0
CHANNELS = 4


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = open_database(pg_url, auto_upgrade=True)
    yield engine
    engine.dispose()


def _attempts(engine: Engine, campaign_id: int) -> int:
    return int(campaign_progress(engine, campaign_id)["attempts"])


def test_frozen_leader_is_replaced_and_claims_nothing_when_resumed(
    pg_engine: Engine, pg_url: str, redis_server_url: str, redis_namespace: str, tmp_path: Path
) -> None:
    seed_contacts(pg_engine, 400)
    campaign_id = make_campaign(pg_engine, channels=CHANNELS, max_attempts=1)
    client = redis.Redis.from_url(redis_server_url)
    lease_key = f"{redis_namespace}:scheduler-lease"
    with running_simulator(channels=30, speed=60, seed=2) as sim:
        env = dict(os.environ)
        env.update(
            DIALER_DATABASE_URL=pg_url,
            DIALER_REDIS_URL=redis_server_url,
            DIALER_REDIS_NAMESPACE=redis_namespace,
            DIALER_CALLCENTER_URL=sim.base_url,
            DIALER_POLL_INTERVAL="0.3",
            DIALER_PACER_INTERVAL="0.1",
            DIALER_CLAIM_LEASE="5",
        )
        procs = Processes(env, tmp_path)
        frozen = None
        try:
            procs.spawn("worker", "--threads", "8")
            first = procs.spawn("scheduler", "--lease-ttl", str(TTL))
            second = procs.spawn("scheduler", "--lease-ttl", str(TTL))
            wait_for(lambda: client.get(lease_key) is not None, 60, "a scheduler to take the lease")
            start(pg_engine, campaign_id, datetime.now(UTC))
            wait_for(lambda: _attempts(pg_engine, campaign_id) >= 12, 120, "12 placed calls")

            holder = (client.get(lease_key) or b"").decode()
            leader = first if f":{first.pid}:" in holder else second
            standby = second if leader is first else first
            leader_log = tmp_path / f"scheduler-{procs.procs.index(leader)}.log"
            leader.send_signal(signal.SIGSTOP)
            frozen = leader
            stopped_at = time.monotonic()
            wait_for(
                lambda: f":{standby.pid}:" in (client.get(lease_key) or b"").decode(),
                30,
                "the stand-by to take the lease",
                every=0.05,
            )
            takeover = time.monotonic() - stopped_at
            under_new = _attempts(pg_engine, campaign_id)
            wait_for(
                lambda: _attempts(pg_engine, campaign_id) >= under_new + 12, 120, "calls under the new leader"
            )

            resumed_from = leader_log.stat().st_size
            leader.send_signal(signal.SIGCONT)
            frozen = None

            def after_resume() -> str:
                return leader_log.read_bytes()[resumed_from:].decode("utf-8", "replace")

            wait_for(
                lambda: "standing by" in after_resume(), 30, "the resumed scheduler to stand by", every=0.1
            )
            busy_from = _attempts(pg_engine, campaign_id)
            # the old leader keeps running its ticks while the new one works on
            wait_for(lambda: _attempts(pg_engine, campaign_id) >= busy_from + 12, 120, "more calls")
            resumed_log = after_resume()
            assert leader.poll() is None, "the resumed scheduler died"
        finally:
            if frozen is not None:
                frozen.send_signal(signal.SIGCONT)
            procs.stop_all()
            client.close()
        truth = sim.center.truth()
    assert takeover < TTL + 2.5, f"the stand-by took {takeover:.1f}s to take over a {TTL:g}s lease"
    assert "claimed" not in resumed_log, resumed_log
    assert truth["peak_channels"] <= CHANNELS, truth["peak_channels"]  # no overrun of the trunk
    tokens = placed_tokens(pg_engine, campaign_id)
    assert len(tokens) == len(set(tokens)) == truth["calls_total"]  # no call placed twice
