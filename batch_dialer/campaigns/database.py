"""Engines for SQLite (embedded default) and PostgreSQL, and the alembic-managed schema."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from batch_dialer.campaigns.connection_liveness import ping_idle_connections
from batch_dialer.campaigns.settings import mask_url

__all__ = [
    "SCHEMA_HEAD",
    "SQLITE_BUSY_TIMEOUT_S",
    "DatabaseBusy",
    "DatabaseError",
    "busy_error",
    "current_revision",
    "head_revision",
    "make_engine",
    "open_database",
    "session_scope",
    "upgrade",
]

MIGRATIONS = Path(__file__).with_name("migrations")
#: How long a SQLite connection waits for another writer's lock. One import is one transaction and a
#: million-row list takes a minute or two, so a second import waits that long before it gives up.
SQLITE_BUSY_TIMEOUT_S = 300.0
_upgrade_lock = threading.Lock()


class DatabaseError(Exception):
    """A database that cannot be opened or is not at the schema this code needs; one clear line."""


class DatabaseBusy(DatabaseError):
    """SQLite stayed locked by another writer for the whole busy timeout; nothing was written."""


def busy_error(exc: BaseException, engine: Engine) -> DatabaseBusy | None:
    """The one-line error for SQLite's "database is locked", or None for any other failure."""
    orig = getattr(exc, "orig", exc)
    if engine.dialect.name != "sqlite" or "database is locked" not in str(orig):
        return None
    waited = getattr(engine, "_dialer_busy_timeout_s", SQLITE_BUSY_TIMEOUT_S)
    return DatabaseBusy(
        f"database {mask_url(str(engine.url))} stayed locked by another writer (another import?) "
        f"for {waited:g} s; nothing was written — try again when it has finished"
    )


def _sqlite_pragmas(busy_timeout_s: float) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return on_connect


def make_engine(url: str, *, busy_timeout_s: float | None = None, **kwargs: Any) -> Engine:
    """An engine with our connection settings; SQLite gets WAL, busy_timeout and foreign keys.

    ``busy_timeout_s`` (SQLite only; default SQLITE_BUSY_TIMEOUT_S) is how long a write waits for
    another writer's lock before `busy_error` turns the failure into one line."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"DIALER_DATABASE_URL is not a database URL: {mask_url(url)}") from exc
    if parsed.get_backend_name() == "sqlite":
        waited = SQLITE_BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": waited})
        if parsed.database in (None, "", ":memory:"):
            kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(waited))
        engine._dialer_busy_timeout_s = waited  # type: ignore[attr-defined]  # for busy_error's message
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = create_engine(url, **kwargs)
        if not kwargs.get("pool_pre_ping"):
            ping_idle_connections(engine)
        return engine
    raise DatabaseError(
        f"unsupported database {parsed.get_backend_name()!r} in {mask_url(url)}: use sqlite or postgresql"
    )


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


#: the newest migration. Every process checks its database against it at start; reading it from the
#: migration scripts meant importing alembic (half a second) in every worker and command, so it is
#: written here and a test keeps it equal to alembic's head.
SCHEMA_HEAD = "0010"


def head_revision() -> str | None:
    return SCHEMA_HEAD


def current_revision(engine: Engine) -> str | None:
    """The schema revision alembic recorded (None for an empty database), read without alembic."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        found = conn.scalar(text("SELECT version_num FROM alembic_version"))
        return None if found is None else str(found)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (what `dialer db upgrade` runs)."""
    from alembic import command

    with _upgrade_lock:
        command.upgrade(_alembic_config(engine), revision)


def open_database(
    url: str, auto_upgrade: bool | None = None, *, busy_timeout_s: float | None = None, **kwargs: Any
) -> Engine:
    """Open the database and make sure its schema is current.

    SQLite files are brought up to date by themselves (nobody runs migrations on a laptop);
    a PostgreSQL database shared by many workers is upgraded only by `dialer db upgrade`,
    unless `auto_upgrade=True`.
    """
    engine = make_engine(url, busy_timeout_s=busy_timeout_s, **kwargs)
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        current = current_revision(engine)
        head = head_revision()
        if current != head:
            if not auto_upgrade:
                raise DatabaseError(
                    f"database {mask_url(url)} is at schema {current or 'empty'}, this version needs {head}: "
                    "run `dialer db upgrade`"
                )
            upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).splitlines()[0] if exc.orig else "connection failed"
        raise DatabaseError(f"cannot open database {mask_url(url)}: {reason}") from exc
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
