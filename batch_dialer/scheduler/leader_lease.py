"""Exactly one active scheduler: a renewable lease in Redis, or in the database when embedded.

The holder renews on every tick; a stand-by keeps trying and wins once the lease expires,
so a dead leader is replaced within one TTL.

Fencing: holding the lease is proven locally, never assumed. Each successful acquire or renewal
gives a *local deadline* of ``(moment the request was sent) + ttl × LOCAL_SHARE`` on this process's
monotonic clock, so it ends before the server's expiry however long the answer took to come back.
A renewal that hangs, fails or is answered "no" leaves the deadline where it was (or clears it), and
:meth:`valid` turns False by itself when the deadline passes: a frozen or cut-off leader stops
claiming before a stand-by can take over. The lease's own Redis connection has a socket timeout well
below the TTL (``ttl / 5``), so a hung renewal fails and is retried instead of blocking a whole TTL.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.campaigns.models import Lease, table_of

__all__ = ["LOCAL_SHARE", "DatabaseLease", "LeaderLease", "LocalDeadline", "RedisLease", "holder_id"]

_lease = table_of(Lease)

#: the share of the TTL we trust locally after a renewal was sent (the rest covers clock-rate drift
#: between this machine and the lease's server, and scheduling delay)
LOCAL_SHARE = 0.75
#: the lease connection's socket timeout as a share of the TTL
SOCKET_SHARE = 0.2

# Renew only if we still hold it; otherwise report failure (someone else took over).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def holder_id() -> str:
    """Names this process in the lease, so operators can see which machine leads."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaderLease(Protocol):
    holder: str
    ttl_s: float

    def acquire(self) -> bool:
        """Take or renew the lease; True while we hold it."""
        ...

    def valid(self) -> bool:
        """True only while the local deadline of the last successful acquire has not passed."""
        ...

    def release(self) -> None: ...


class LocalDeadline:
    """The local half of a lease: when, on our own monotonic clock, we must stop trusting it."""

    def __init__(self, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self._deadline = float("-inf")

    def sent(self) -> float:
        """Call just before the request that takes or renews the lease; pass the result to held()."""
        return self.monotonic()

    def held(self, sent_at: float) -> None:
        self._deadline = sent_at + self.ttl_s * LOCAL_SHARE

    def lost(self) -> None:
        self._deadline = float("-inf")

    def valid(self) -> bool:
        return self.monotonic() < self._deadline

    def remaining_s(self) -> float:
        return max(0.0, self._deadline - self.monotonic())


def _lease_connection(client: Any, ttl_s: float) -> Any:
    """A client of its own for the lease, with socket timeouts of ttl × SOCKET_SHARE and no hidden
    retries (redis-py retries timeouts by default, which would stretch one renewal past the TTL).
    In-process fakeredis clients are used as given."""
    if "fakeredis" in type(client).__module__:
        return client
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    pool = client.connection_pool
    kwargs = dict(pool.connection_kwargs)
    timeout = max(0.05, ttl_s * SOCKET_SHARE)
    kwargs.update(socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))
    kwargs.pop("retry_on_timeout", None)
    return redis.Redis(connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs))


class RedisLease:
    def __init__(
        self,
        client: Any,
        key: str,
        ttl_s: float = 10.0,
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = _lease_connection(client, ttl_s)
        self.key = key
        self.ttl_s = ttl_s
        self.holder = holder or holder_id()
        self.deadline = LocalDeadline(ttl_s, monotonic)
        self._renew = self.client.register_script(_RENEW)
        self._release = self.client.register_script(_RELEASE)

    def acquire(self) -> bool:
        ttl_ms = int(self.ttl_s * 1000)
        sent_at = self.deadline.sent()
        try:
            held = bool(self._renew(keys=[self.key], args=[self.holder, ttl_ms])) or bool(
                self.client.set(self.key, self.holder, nx=True, px=ttl_ms)
            )
        except Exception:
            self.deadline.lost()
            raise
        if held:
            self.deadline.held(sent_at)
        else:
            self.deadline.lost()
        return held

    def valid(self) -> bool:
        return self.deadline.valid()

    def release(self) -> None:
        self.deadline.lost()
        self._release(keys=[self.key], args=[self.holder])


class DatabaseLease:
    def __init__(
        self,
        engine: Engine,
        name: str,
        ttl_s: float = 10.0,
        holder: str | None = None,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.name = name
        self.ttl_s = ttl_s
        self.holder = holder or holder_id()
        self.clock = clock
        self.deadline = LocalDeadline(ttl_s, monotonic)

    def acquire(self) -> bool:
        sent_at = self.deadline.sent()
        try:
            held = self._take()
        except Exception:
            self.deadline.lost()
            raise
        if held:
            self.deadline.held(sent_at)
        else:
            self.deadline.lost()
        return held

    def _take(self) -> bool:
        now = self.clock.now()
        expires = now + timedelta(seconds=self.ttl_s)
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(_lease)
                .where(_lease.c.name == self.name)
                .where((_lease.c.holder == self.holder) | (_lease.c.expires_at < now))
                .values(holder=self.holder, expires_at=expires)
            ).rowcount
        if taken:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(_lease).values(name=self.name, holder=self.holder, expires_at=expires))
        except IntegrityError:
            return False
        return True

    def valid(self) -> bool:
        return self.deadline.valid()

    def release(self) -> None:
        self.deadline.lost()
        with self.engine.begin() as conn:
            conn.execute(
                update(_lease)
                .where(_lease.c.name == self.name, _lease.c.holder == self.holder)
                .values(expires_at=self.clock.now() - timedelta(seconds=1))
            )
