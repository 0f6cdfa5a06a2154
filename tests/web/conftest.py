"""Fixtures for the web console: a fresh SQLite database, users of both roles, an API token, and
the app served by a real uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.models import Contact, ImportBatch, RejectedRow, table_of
from batch_dialer.campaigns.settings import Settings
from batch_dialer.web import create_app
from batch_dialer.web.access_store import create_token, create_user
from batch_dialer.web.web_settings import WebSettings
from tests.web.web_server import serve_app

MANAGER = ("lily", "correct-horse-1")
VIEWER = ("victor", "battery-staple-2")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_lists"


@pytest.fixture
def web_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'web.db'}")
    create_user(engine, MANAGER[0], "manager", MANAGER[1])
    create_user(engine, VIEWER[0], "viewer", VIEWER[1])
    yield engine
    engine.dispose()


@pytest.fixture
def tokens(web_engine: Engine) -> dict[str, str]:
    return {"manager": create_token(web_engine, "crm"), "viewer": create_token(web_engine, "bi", "viewer")}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # Monday 11:00 in Shanghai


@pytest.fixture
def serve(web_engine: Engine, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``serve(clock=None, centre=None, **web_settings)`` -> base URL; stopped after the test."""
    stack: list[Any] = []

    def start(clock: Any = None, centre: Any = None, **web: Any) -> str:
        web.setdefault("work_dir", tmp_path / "uploads")
        web.setdefault("monitor_interval_s", 0.5)
        app = create_app(
            Settings(database_url="sqlite://"),
            engine=web_engine,
            centre=centre,
            clock=clock,
            web_settings=WebSettings(**web),
        )
        server = serve_app(app)
        url = server.__enter__()
        stack.append(server)
        return url

    yield start
    for server in reversed(stack):
        server.__exit__(None, None, None)


def sign_in(base_url: str, who: tuple[str, str] = MANAGER) -> tuple[httpx.Client, str]:
    """A client with a session cookie, and the session's CSRF token (read from the page's meta tag)."""
    client = httpx.Client(base_url=base_url, timeout=30)
    response = client.post("/login", data={"username": who[0], "password": who[1], "next": "/campaigns"})
    assert response.status_code == 303, response.text
    page = client.get("/campaigns")
    marker = 'name="csrf-token" content="'
    start = page.text.index(marker) + len(marker)
    return client, page.text[start : page.text.index('"', start)]


def stored_counts(engine: Engine) -> tuple[int, int, int]:
    """(import batches, contacts, rejected rows) in the database."""
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.scalar(select(func.count()).select_from(table_of(model))) or 0)
            for model in (ImportBatch, Contact, RejectedRow)
        )
