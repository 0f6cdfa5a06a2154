"""800ing: received pushes/events and agent accounts

Revision ID: 0005
Revises: 0006
Create Date: 2026-11-27 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import batch_dialer.campaigns.db_types

revision: str = "0005"
down_revision: str | None = "0006"  # re-chained after main gained 0006 (was 0003)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ing800_push",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("push_type", sa.Integer(), nullable=True),
        sa.Column("cdr_id", sa.String(length=64), nullable=True),
        sa.Column("paramvalue", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("extension", sa.String(length=32), nullable=True),
        sa.Column("ivr_keys", sa.String(length=64), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("hangup_reason", sa.String(length=200), nullable=True),
        sa.Column("record_file", sa.String(length=500), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("times_seen", sa.Integer(), server_default="1", nullable=False),
        sa.Column("received_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=False),
        sa.Column("applied_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    with op.batch_alter_table("ing800_push", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ing800_push_cdr_id"), ["cdr_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ing800_push_paramvalue"), ["paramvalue"], unique=False)
        batch_op.create_index("ix_ing800_push_phone_received", ["phone", "received_at"], unique=False)

    op.create_table(
        "ing800_account",
        sa.Column("extension", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("busy_token", sa.String(length=64), nullable=True),
        sa.Column("busy_since", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=True),
        sa.Column("added_at", batch_dialer.campaigns.db_types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("extension"),
    )


def downgrade() -> None:
    op.drop_table("ing800_account")
    with op.batch_alter_table("ing800_push", schema=None) as batch_op:
        batch_op.drop_index("ix_ing800_push_phone_received")
        batch_op.drop_index(batch_op.f("ix_ing800_push_paramvalue"))
        batch_op.drop_index(batch_op.f("ix_ing800_push_cdr_id"))
    op.drop_table("ing800_push")
