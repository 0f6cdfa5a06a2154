"""Leadership is proven locally: a lease is trusted only until a local deadline shorter than its TTL,
a hung renewal fails within a fraction of the TTL, and a scheduler that cannot prove its lease
claims nothing. Over real Redis and a real database, with a controllable monotonic clock."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.scheduler.leader_lease import LOCAL_SHARE, DatabaseLease, RedisLease
from batch_dialer.scheduler.service import SchedulerService
from tests.engine_support import make_campaign, seed_contacts
from tests.simulator_fixtures import running_simulator


class Monotonic:
    """A monotonic clock the test moves (a frozen process sees its clock jump when it wakes)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_redis_lease_is_distrusted_locally_before_the_server_lets_it_go(
    redis_server_url: str, redis_namespace: str
) -> None:
    client = redis.Redis.from_url(redis_server_url)
    mono = Monotonic()
    key = f"{redis_namespace}:lease"
    lease = RedisLease(client, key, ttl_s=10, holder="a", monotonic=mono)
    other = RedisLease(client, key, ttl_s=10, holder="b")
    assert lease.acquire() and lease.valid()
    assert not other.acquire() and not other.valid()
    mono.now += 10 * LOCAL_SHARE - 0.01
    assert lease.valid()
    mono.now += 0.02  # frozen past the local deadline: Redis still holds the key for us
    assert client.pttl(key) > 0
    assert not lease.valid()
    assert lease.acquire() and lease.valid()  # a renewal that succeeds proves it again
    lease.release()
    assert not lease.valid() and other.acquire()
    client.close()


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def test_a_hung_renewal_fails_well_within_the_ttl(black_hole: int) -> None:
    # the broker's client waits 10 s on a socket, as long as the default lease; the lease's own
    # connection must not
    client = redis.Redis(port=black_hole, socket_timeout=10, socket_connect_timeout=10)
    lease = RedisLease(client, "lease", ttl_s=2.0)
    started = time.monotonic()
    with pytest.raises(redis.RedisError):
        lease.acquire()
    assert time.monotonic() - started < 2.0 * LOCAL_SHARE
    assert not lease.valid()


def test_a_scheduler_that_cannot_prove_its_lease_claims_nothing(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 20)
    cid = make_campaign(sqlite_engine, channels=5)
    start(sqlite_engine, cid, datetime.now(UTC))
    mono = Monotonic()
    sent: list[int] = []
    clock = ManualClock(datetime.now(UTC))
    with running_simulator(channels=10, speed=60, seed=1) as sim:
        dispatcher = Dispatcher(
            sqlite_engine, connect(sim.base_url, None), Senders(sent.append, print), clock
        )
        lease = DatabaseLease(sqlite_engine, "scheduler", ttl_s=10, clock=clock, monotonic=mono)
        service = SchedulerService(dispatcher, lease)
        pace = service._guarded(service._pace)
        service._renew_lease()
        assert service.holds_lease()
        mono.now += 10  # frozen for a whole TTL; the database lease has not even expired (wall clock)
        pace()
        assert sent == [] and not service.leader.is_set()
        # the fence sits right before the claim too: the flag alone is not enough
        service.leader.set()
        assert dispatcher.pace().claimed == {} and sent == []
        service._renew_lease()  # proven again: claims resume
        pace()
    assert len(sent) == 5
