"""web hardening: disabled users, reusable names of revoked tokens, persisted upload jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import batch_dialer.campaigns.db_types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = sa.text("revoked_at IS NULL")


def _token_table(name: str, unique_name: bool) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False, unique=unique_name),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )


def _rebuild_tokens(unique_name: bool) -> None:
    """Copy api_token into a table with (or without) the plain unique name; the 0002 constraint is
    unnamed, so rebuilding is the one way that works the same on SQLite and PostgreSQL."""
    bind = op.get_bind()
    new = _token_table("api_token_new", unique_name)
    new.create(bind)
    columns = ", ".join(c.name for c in new.columns)
    bind.execute(sa.text(f"INSERT INTO api_token_new ({columns}) SELECT {columns} FROM api_token"))
    op.drop_table("api_token")
    op.rename_table("api_token_new", "api_token")
    if bind.dialect.name == "postgresql":  # keep the names PostgreSQL gives a freshly created table
        op.execute("ALTER TABLE api_token RENAME CONSTRAINT api_token_new_pkey TO api_token_pkey")
        op.execute(
            "ALTER TABLE api_token RENAME CONSTRAINT api_token_new_token_sha256_key "
            "TO api_token_token_sha256_key"
        )
        op.execute("ALTER SEQUENCE api_token_new_id_seq RENAME TO api_token_id_seq")
        if unique_name:
            op.execute("ALTER TABLE api_token RENAME CONSTRAINT api_token_new_name_key TO api_token_name_key")


def upgrade() -> None:
    with op.batch_alter_table("web_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("disabled_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=True)
        )
    _rebuild_tokens(unique_name=False)
    op.create_index(
        "uq_api_token_active_name",
        "api_token",
        ["name"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    op.create_table(
        "import_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("directory", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=False),
        sa.Column("touched_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_job_touched_at"), ["touched_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_touched_at"))
    op.drop_table("import_job")
    op.drop_index("uq_api_token_active_name", table_name="api_token")
    op.execute("DELETE FROM api_token WHERE revoked_at IS NOT NULL AND name IN "
               "(SELECT name FROM api_token WHERE revoked_at IS NULL)")
    _rebuild_tokens(unique_name=True)
    with op.batch_alter_table("web_user", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
