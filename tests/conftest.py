"""Shared fixtures: real PostgreSQL and Redis with a fresh database / key prefix per test.

With REQUIRE_SERVICES=1 (CI) a missing server fails the test; otherwise it is skipped.
Under pytest-xdist (`make pytest` runs two workers) every name a test makes carries the worker's id
(gw0, gw1; "main" when serial) as well as a per-process run id, so workers never share a database or
a Redis key, and a leftover one says which worker made it.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from batch_dialer.campaigns.database import open_database

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
RUN_ID = f"{WORKER}_{uuid.uuid4().hex[:10]}"

#: Modules that start several `dialer` processes (plus simulators and a private Redis) and assert on
#: how fast a stand-by takes over: with --dist loadgroup they all go to one worker, one after another,
#: so two of them never fight over this machine's two cores.
DIALER_PROCESS_MODULES = frozenset(
    {"tests/workers/test_crash_recovery.py", "tests/scheduler/test_leader_failover.py"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Puts the timing-sensitive tests in xdist groups here, not in their modules, so the engine's
    test files stay free of test-runner plumbing. Each Chromium test (it uses the `browser` fixture)
    joins one group too: one headless browser at a time, and its module-scoped fixture started once."""
    for item in items:
        if item.nodeid.split("::", 1)[0] in DIALER_PROCESS_MODULES:
            item.add_marker(pytest.mark.xdist_group("dialer-processes"))
        elif "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("chromium"))


@pytest.fixture(autouse=True)
def _logging_left_as_found() -> Iterator[None]:
    """In-process CLI runs call configure_logging(), which sets levels and replaces root handlers;
    without this a later test inherits `batch_dialer` at WARNING and its caplog sees nothing."""
    names = ("", "batch_dialer", "apscheduler")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.root.handlers)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.root.handlers[:] = handlers


def _unavailable(what: str, exc: BaseException) -> None:
    message = (
        f"{what} not reachable: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    )
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Engine]:
    """An admin connection to the PostgreSQL server (AUTOCOMMIT, for CREATE/DROP DATABASE)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any failure to reach the server
        admin.dispose()
        _unavailable("PostgreSQL", exc)
    yield admin
    admin.dispose()


@pytest.fixture
def pg_url(pg_server: Engine) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    name = f"dialer_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    with pg_server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with pg_server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'dialer.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs a test on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dialer.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine at the current schema, on SQLite and on PostgreSQL."""
    eng = open_database(db_url, auto_upgrade=True)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = open_database(sqlite_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:
        _unavailable("Redis", exc)
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_namespace(redis_server_url: str) -> Iterator[str]:
    """A fresh key prefix for one test; its keys are deleted afterwards."""
    import redis

    namespace = f"dialer-test-{RUN_ID.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    yield namespace
    client = redis.Redis.from_url(redis_server_url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
