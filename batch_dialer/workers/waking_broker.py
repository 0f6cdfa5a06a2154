"""A RedisBroker whose idle consumers wake the moment this process enqueues a message for them.

dramatiq's Redis consumer finds an empty queue and sleeps a growing backoff (up to the worker timeout)
before it looks again: a call claimed meanwhile waits in Redis while its channel stands idle, and each
look is a Lua script (on fakeredis, in our own process, about a millisecond). Here a consumer that
found nothing waits on an event that ``enqueue`` sets, with the worker timeout as the upper bound, so
in one process (the embedded engine) a message is picked up at once and idle consumers cost nothing.
Across processes the timeout is the bound, as with the stock consumer.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

import redis
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.errors import ConnectionClosed
from dramatiq.message import Message

__all__ = ["WakingRedisBroker"]


class WakingRedisBroker(RedisBroker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._wakes: defaultdict[str, threading.Event] = defaultdict(threading.Event)
        self._wakes_lock = threading.Lock()
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
        return sent


def _one_worker_per_pool(record: logging.LogRecord) -> bool:
    """A process runs two dramatiq Workers (workers.pools), each adding its own worker middleware, which
    dramatiq allows and warns about; that warning says nothing here."""
    args = record.args
    return not (isinstance(args, tuple) and args and type(args[0]).__name__ == "_WorkerMiddleware")


class _WakingConsumer(_RedisConsumer):
    """dramatiq's consumer with its backoff sleep replaced by a wait on the queue's wake event."""

    broker: WakingRedisBroker

    def ack(self, message: MessageProxy) -> None:
        super().ack(message)  # type: ignore[no-untyped-call]
        self.broker.wake_event(self.queue_name).set()  # room to prefetch again

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
                wake.clear()  # before the fetch: a message enqueued after it sets the event again
                if self.outstanding_message_count < self.prefetch:
                    self.message_cache = self.broker.do_fetch(
                        self.queue_name, self.prefetch - self.outstanding_message_count
                    )
                if not self.message_cache:
                    wake.wait(self.timeout / 1000)
                    return None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None
