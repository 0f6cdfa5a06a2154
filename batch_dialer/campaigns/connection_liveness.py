"""Ping a pooled PostgreSQL connection before use only when it sat idle, not on every checkout.

``pool_pre_ping`` pings on every checkout: a round trip and about 55 µs of our CPU each time, and a
busy worker checks a connection out about ten times per call (issue 13's profile of the scaled row). A
connection checked in moments ago has just worked; one that sat idle may have been cut by a server
restart, a failover or a firewall's idle timeout, and is pinged first. A connection that breaks while
hot fails that one operation (SQLAlchemy then invalidates the pool's older connections), which the
scheduler's next tick or the actor's retry repeats.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, exc

__all__ = ["IDLE_BEFORE_PING_S", "ping_idle_connections"]

#: a connection back in the pool longer than this is pinged before it is handed out again
IDLE_BEFORE_PING_S = 5.0


def ping_idle_connections(
    engine: Engine, idle_s: float = IDLE_BEFORE_PING_S, clock: Callable[[], float] = time.monotonic
) -> None:
    dialect = engine.dialect

    def checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["dialer_idle_since"] = clock()

    def checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("dialer_idle_since")
        if since is None or clock() - since < idle_s:
            return  # new, or back in the pool only moments ago
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as error:
            # the pool discards this connection and checks out another (a fresh one if need be)
            raise exc.DisconnectionError(f"idle connection is gone: {type(error).__name__}") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)
