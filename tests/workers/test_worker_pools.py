"""Placements never wait behind polls, and an idle consumer wakes the moment a message is enqueued
(issue 13: the time a freed channel stands idle)."""

from __future__ import annotations

import threading
import time

import dramatiq

from batch_dialer.workers.actors import DIAL_QUEUE, POLL_QUEUE
from batch_dialer.workers.broker import broker_from_url
from batch_dialer.workers.pools import WorkerPools
from tests.engine_support import wait_for


def _actors(
    broker: dramatiq.Broker, release: threading.Event, done: list[str]
) -> tuple[dramatiq.Actor[[str], None], dramatiq.Actor[[str], None]]:
    def dial(name: str) -> None:
        done.append(name)

    def poll(name: str) -> None:
        release.wait(30)  # a poll batch whose requests hang
        done.append(name)

    return (
        dramatiq.Actor(
            dial, broker=broker, actor_name="t_dial", queue_name=DIAL_QUEUE, priority=0, options={}
        ),
        dramatiq.Actor(
            poll, broker=broker, actor_name="t_poll", queue_name=POLL_QUEUE, priority=0, options={}
        ),
    )


def test_a_placement_goes_out_while_every_poll_thread_hangs() -> None:
    broker = broker_from_url(None, namespace="pools-test")
    release, done = threading.Event(), []
    dial, poll = _actors(broker, release, done)
    pools = WorkerPools.start(broker, threads=2, poll_threads=2, wait_ms=100)
    try:
        for i in range(6):  # more hanging polls than poll threads (and than dial threads)
            poll.send(f"poll{i}")
        dial.send("dial")
        wait_for(lambda: "dial" in done, 5, "the placement", every=0.01)
        assert not [d for d in done if d.startswith("poll")]  # the polls are still hanging
    finally:
        release.set()
        pools.stop()
        broker.close()


def test_an_idle_consumer_wakes_when_a_message_is_enqueued() -> None:
    """Idle, it does not look at Redis again and again (each look a Lua script); a message enqueued in
    this process is picked up at once all the same."""
    broker = broker_from_url(None, namespace="wake-test")
    fetches: list[str] = []
    fetch = broker.do_fetch
    broker.do_fetch = lambda queue, n: fetches.append(queue) or fetch(queue, n)  # type: ignore[method-assign]
    release, done = threading.Event(), []
    dial, _ = _actors(broker, release, done)
    pools = WorkerPools.start(broker, threads=1, poll_threads=1, wait_ms=3_000)
    try:
        dial.send("first")
        wait_for(lambda: "first" in done, 10, "the first message", every=0.01)
        before = fetches.count(DIAL_QUEUE)
        time.sleep(1.0)  # idle: dramatiq's own consumer would look about eight times in this second
        assert fetches.count(DIAL_QUEUE) - before <= 2
        sent = time.monotonic()
        dial.send("second")
        wait_for(lambda: "second" in done, 10, "the second message", every=0.005)
        assert time.monotonic() - sent < 0.3
    finally:
        release.set()
        pools.stop()
        broker.close()


def _counting_fetches(broker: dramatiq.brokers.redis.RedisBroker) -> list[str]:
    fetches: list[str] = []
    fetch = broker.do_fetch
    broker.do_fetch = lambda queue, n: fetches.append(queue) or fetch(queue, n)  # type: ignore[method-assign]
    return fetches


def test_a_message_costs_one_look_at_redis_not_one_more_after_its_ack() -> None:
    broker = broker_from_url(None, namespace="looks-test")
    fetches = _counting_fetches(broker)
    release, done = threading.Event(), []
    dial, _ = _actors(broker, release, done)
    pools = WorkerPools.start(broker, threads=2, poll_threads=1, wait_ms=2_000)
    try:
        wait_for(lambda: DIAL_QUEUE in fetches, 5, "the first look", every=0.01)
        before = fetches.count(DIAL_QUEUE)
        for i in range(20):
            dial.send(f"m{i}")
            wait_for(lambda i=i: f"m{i}" in done, 5, f"message {i}", every=0.002)  # type: ignore[misc]
        # one fetch per enqueue; an empty look after every ack would make it two
        assert fetches.count(DIAL_QUEUE) - before <= 22
    finally:
        release.set()
        pools.stop()
        broker.close()


def test_an_ack_at_the_prefetch_limit_wakes_the_consumer() -> None:
    """One thread prefetches two messages; the rest wait in Redis until an ack makes room, which must
    not take the worker timeout each time."""
    broker = broker_from_url(None, namespace="full-test")
    release, done = threading.Event(), []
    dial, _ = _actors(broker, release, done)
    pools = WorkerPools.start(broker, threads=1, poll_threads=1, wait_ms=2_000)
    try:
        sent = time.monotonic()
        for i in range(8):
            dial.send(f"m{i}")
        wait_for(lambda: len(done) == 8, 20, "all eight", every=0.005)
        assert time.monotonic() - sent < 1.5  # a timeout per refill would be 3 × 2 s
    finally:
        release.set()
        pools.stop()
        broker.close()


def test_a_message_enqueued_by_another_process_wakes_the_worker_at_once(redis_namespace: str) -> None:
    """The scheduler and the workers are separate processes on one Redis: its enqueue reaches the idle
    workers over pub/sub, not on their timeout."""
    from tests.conftest import REDIS_URL

    workers_side = broker_from_url(REDIS_URL, namespace=redis_namespace)
    scheduler_side = broker_from_url(REDIS_URL, namespace=redis_namespace)
    fetches = _counting_fetches(workers_side)
    release, done = threading.Event(), []
    _actors(workers_side, release, done)
    dial, _ = _actors(scheduler_side, release, done)
    pools = WorkerPools.start(workers_side, threads=1, poll_threads=1, wait_ms=2_000)
    try:
        wait_for(lambda: DIAL_QUEUE in fetches, 5, "the first look", every=0.01)
        # a wake published before the listener subscribed would be lost: wait until Redis counts it
        channel = workers_side.wake_channel
        subscribers = workers_side.client.pubsub_numsub
        wait_for(lambda: subscribers(channel)[0][1] >= 1, 5, "the wake listener", every=0.01)
        for i in range(5):
            sent = time.monotonic()
            dial.send(f"m{i}")
            wait_for(lambda i=i: f"m{i}" in done, 10, f"message {i}", every=0.005)  # type: ignore[misc]
            assert time.monotonic() - sent < 0.5, i  # on the timeout: 1 s on average, up to 2 s
    finally:
        release.set()
        pools.stop()
        workers_side.close()
        scheduler_side.close()
