"""Alembic environment: the engine comes from batch_dialer.campaigns.database, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

from batch_dialer.campaigns import access_models, desk_models, ing800_models, models, oversight_models

target_metadata = SQLModel.metadata
assert models.Campaign.__tablename__  # imported for its tables
assert access_models.User.__tablename__  # the web console's tables are part of the schema too
assert ing800_models.Ing800Push.__tablename__  # the 800ing centre's pushes and agent accounts
assert desk_models.DeskCall.__tablename__  # the agent desk's tables
assert oversight_models.AuditEvent.__tablename__  # heartbeats and the audit trail


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if not isinstance(engine, Engine):
        from batch_dialer.campaigns.database import make_engine
        from batch_dialer.campaigns.settings import get_settings

        engine = make_engine(get_settings().database_url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
