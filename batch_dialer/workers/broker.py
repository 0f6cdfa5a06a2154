"""The dramatiq broker, picked from a URL the way saq's `Queue.from_url` does.

`redis://…` is the scaled-out broker; no URL means embedded: the same RedisBroker code path
on an in-process fakeredis, so embedded runs exercise exactly what production runs.
"""

from __future__ import annotations

from typing import Any

from dramatiq.brokers.redis import RedisBroker

from batch_dialer.workers.waking_broker import WakingRedisBroker

__all__ = ["broker_from_url", "redis_client_from_url"]

# A crashed worker's unacked messages come back after this; our own claim leases are faster.
HEARTBEAT_TIMEOUT_MS = 15_000


def redis_client_from_url(url: str | None) -> Any:
    """A redis client for `url`, or an in-process fakeredis server when `url` is empty."""
    if not url:
        import fakeredis

        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"DIALER_REDIS_URL must be a redis:// URL, got scheme {url.split(':', 1)[0]!r}")
    import redis

    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=15)


def broker_from_url(url: str | None, namespace: str = "dialer", client: Any = None) -> RedisBroker:
    """A RedisBroker on `url` (or on `client`, e.g. a shared fakeredis), keys under `namespace`."""
    client = client if client is not None else redis_client_from_url(url)
    # other processes share a real server: wakes go to them over pub/sub (fakeredis is this process's)
    shared = type(client).__module__.split(".")[0] != "fakeredis"
    return WakingRedisBroker(
        client=client, namespace=namespace, heartbeat_timeout=HEARTBEAT_TIMEOUT_MS, publish_wakes=shared
    )
