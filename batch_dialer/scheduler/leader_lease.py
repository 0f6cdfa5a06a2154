"""Exactly one active scheduler: a renewable lease in Redis, or in the database when embedded.

The holder renews on every tick; a stand-by keeps trying and wins once the lease expires,
so a dead leader is replaced within one TTL.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.campaigns.models import Lease, table_of

__all__ = ["DatabaseLease", "LeaderLease", "RedisLease", "holder_id"]

_lease = table_of(Lease)

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

    def release(self) -> None: ...


class RedisLease:
    def __init__(self, client: Any, key: str, ttl_s: float = 10.0, holder: str | None = None) -> None:
        self.client = client
        self.key = key
        self.ttl_s = ttl_s
        self.holder = holder or holder_id()
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def acquire(self) -> bool:
        ttl_ms = int(self.ttl_s * 1000)
        if self._renew(keys=[self.key], args=[self.holder, ttl_ms]):
            return True
        return bool(self.client.set(self.key, self.holder, nx=True, px=ttl_ms))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.holder])


class DatabaseLease:
    def __init__(
        self,
        engine: Engine,
        name: str,
        ttl_s: float = 10.0,
        holder: str | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.engine = engine
        self.name = name
        self.ttl_s = ttl_s
        self.holder = holder or holder_id()
        self.clock = clock

    def acquire(self) -> bool:
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

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(_lease)
                .where(_lease.c.name == self.name, _lease.c.holder == self.holder)
                .values(expires_at=self.clock.now() - timedelta(seconds=1))
            )
