"""A pooled PostgreSQL connection is pinged before use only after it sat idle (issue 13)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from batch_dialer.campaigns.connection_liveness import ping_idle_connections


def _pooled_connection_cut(pg_url: str, pg_server: Engine, idle_for: float) -> Engine:
    """An engine whose one pooled connection the server has closed, ``idle_for`` seconds after checkin."""
    now = [0.0]
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_s=5.0, clock=lambda: now[0])
    with engine.connect() as conn:
        pid = conn.scalar(text("select pg_backend_pid()"))
    with pg_server.connect() as admin:
        admin.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while admin.scalar(text("select count(*) from pg_stat_activity where pid = :pid"), {"pid": pid}):
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.02)
    now[0] = idle_for
    return engine


def test_an_idle_connection_the_server_cut_is_replaced_before_use(pg_url: str, pg_server: Engine) -> None:
    engine = _pooled_connection_cut(pg_url, pg_server, idle_for=6.0)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("select 1")) == 1
    finally:
        engine.dispose()


def test_a_connection_back_moments_ago_is_handed_out_without_a_ping(pg_url: str, pg_server: Engine) -> None:
    engine = _pooled_connection_cut(pg_url, pg_server, idle_for=1.0)
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.scalar(text("select 1"))
        assert caught.value.connection_invalidated
        with engine.connect() as conn:  # the pool let the broken connection go
            assert conn.scalar(text("select 1")) == 1
    finally:
        engine.dispose()
