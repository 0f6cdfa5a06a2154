"""A RedisBroker whose idle consumers wake the moment a message is enqueued for them, in any process.

dramatiq's Redis consumer finds an empty queue and sleeps a growing backoff (up to the worker timeout)
before it looks again: a call claimed meanwhile waits in Redis while its channel stands idle, and each
look is a Lua script (on fakeredis, in our own process, about a millisecond). Here a consumer looks
only when there may be something to find: a message was enqueued, its last fetch came back full, or the
worker timeout passed (the safety net); not after every ack, which found nothing.

``enqueue`` sets a wake event in this process and, on a real Redis, also publishes the queue's name on
one pub/sub channel that every consuming process listens to, so a worker wakes at once for a message
the scheduler enqueued. Pub/sub is fire and forget: a lost wake costs at most one timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from typing import Any

import redis
from dramatiq.broker import Consumer, MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.errors import ConnectionClosed
from dramatiq.message import Message

__all__ = ["WakingRedisBroker"]

log = logging.getLogger("batch_dialer.workers.waking_broker")

#: how soon a consumer at its prefetch limit checks again for room (a worker thread's ack makes it; this
#: looks at no Redis, only at the consumer's own counts)
FULL_RECHECK_S = 0.005


class WakingRedisBroker(RedisBroker):
    def __init__(self, *, publish_wakes: bool = False, **kwargs: Any) -> None:
        """``publish_wakes``: other processes consume this Redis too (a real server, not fakeredis)."""
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._wakes: defaultdict[str, threading.Event] = defaultdict(threading.Event)
        self._wakes_lock = threading.Lock()
        self.publish_wakes = publish_wakes
        self.wake_channel = f"{self.namespace}:wake"
        self._closing = threading.Event()
        self._listener: threading.Thread | None = None
        self.logger.addFilter(_one_worker_per_pool)

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return _WakingConsumer

    def wake_event(self, queue_name: str) -> threading.Event:
        with self._wakes_lock:
            return self._wakes[queue_name]

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        sent = super().enqueue(message, delay=delay)
        self.wake_event(sent.queue_name).set()
        if self.publish_wakes:
            try:
                self.client.publish(self.wake_channel, sent.queue_name)
            except redis.RedisError as exc:  # the message is in Redis: a consumer finds it on its timeout
                log.warning("could not publish the wake for %s: %s", sent.queue_name, exc)
        return sent

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        if self.publish_wakes:
            self._listen_for_wakes()
        return super().consume(queue_name, prefetch, timeout)

    def close(self) -> None:
        self._closing.set()
        if self._listener is not None:
            self._listener.join(5)
        super().close()

    def _listen_for_wakes(self) -> None:
        with self._wakes_lock:
            if self._listener is None:
                self._listener = threading.Thread(target=self._wake_loop, name="dialer-wakes", daemon=True)
                self._listener.start()

    def _wake_loop(self) -> None:
        """Set the local event of every queue some process enqueued to; reconnects after a lost Redis."""
        while not self._closing.is_set():
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                try:
                    pubsub.subscribe(self.wake_channel)
                    while not self._closing.is_set():
                        message = pubsub.get_message(timeout=0.5)
                        if message is not None and message.get("type") == "message":
                            data = message["data"]
                            self.wake_event(data.decode() if isinstance(data, bytes) else str(data)).set()
                finally:
                    pubsub.close()
            except redis.RedisError as exc:
                log.warning("wake channel lost (%s); consumers look on their timeout meanwhile", exc)
                self._closing.wait(1.0)


def _one_worker_per_pool(record: logging.LogRecord) -> bool:
    """A process runs two dramatiq Workers (workers.pools), each adding its own worker middleware, which
    dramatiq allows and warns about; that warning says nothing here."""
    args = record.args
    return not (isinstance(args, tuple) and args and type(args[0]).__name__ == "_WorkerMiddleware")


class _WakingConsumer(_RedisConsumer):
    """dramatiq's consumer, looking at Redis only when there may be something to find."""

    broker: WakingRedisBroker

    def __init__(self, broker: WakingRedisBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)  # type: ignore[no-untyped-call]
        # a message may be waiting: one was enqueued since the last fetch, or that fetch came back full
        self._wanted = True
        self._look_at = 0.0  # the safety net: look at least this often (monotonic)

    def __next__(self) -> MessageProxy | None:
        try:
            while True:
                if self.message_cache:
                    data = self.message_cache.pop(0)
                    if data is None:
                        continue
                    self.misses = 0
                    message = Message.decode(data)
                    self.queued_message_ids.add(message.message_id)
                    return MessageProxy(message)
                wake = self.broker.wake_event(self.queue_name)
                if wake.is_set():
                    wake.clear()  # before the fetch: a message enqueued after it sets it again
                    self._wanted = True  # kept while the consumer is full, until it has room to fetch
                room = self.prefetch - self.outstanding_message_count
                now = time.monotonic()
                if room > 0 and (self._wanted or now >= self._look_at):
                    self.message_cache = self.broker.do_fetch(self.queue_name, room)
                    self._wanted = len(self.message_cache) >= room
                    self._look_at = now + self.timeout / 1000
                    if self.message_cache:
                        continue
                if room <= 0:  # at its prefetch limit: look for room soon (worker threads ack, not Redis)
                    wake.wait(FULL_RECHECK_S)
                else:
                    wake.wait(max(0.0, self._look_at - time.monotonic()))
                return None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None
