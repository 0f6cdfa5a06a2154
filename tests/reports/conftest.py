"""Fixtures: the seeded campaign on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.reports.seed_data import Seeded, seed


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed(engine)


@pytest.fixture
def seeded_sqlite(sqlite_engine: Engine) -> Seeded:
    return seed(sqlite_engine)
