"""cti agents: agents linked to CTI users, their campaigns, desk calls and callback reservations

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-27 14:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from batch_dialer.campaigns.db_types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cti_agent",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cti_username", sa.String(length=100), nullable=False),
        sa.Column("ext_no", sa.String(length=32), nullable=True),
        sa.Column("desk_state", sa.String(length=16), nullable=False),
        sa.Column("state_at", UTCDateTime(), nullable=True),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("cti_username"),
    )
    op.create_table(
        "campaign_agent",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "user_id"),
    )
    op.create_index("ix_campaign_agent_user_id", "campaign_agent", ["user_id"])
    op.create_table(
        "desk_call",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("dialled_at", UTCDateTime(), nullable=True),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("rang_at", UTCDateTime(), nullable=True),
        sa.Column("agent_answered_at", UTCDateTime(), nullable=True),
        sa.Column("callee_answered_at", UTCDateTime(), nullable=True),
        sa.Column("hung_up_at", UTCDateTime(), nullable=True),
        sa.Column("talk_s", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=16), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("callback_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("disposed_at", UTCDateTime(), nullable=True),
        sa.Column("released_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["call_attempt.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["call_task.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attempt_id"),
    )
    op.create_index("ix_desk_call_task_id", "desk_call", ["task_id"])
    op.create_index("ix_desk_call_agent", "desk_call", ["agent_id", "disposed_at"])
    op.create_index("ix_desk_call_campaign", "desk_call", ["campaign_id", "agent_id"])
    op.create_table(
        "desk_reservation",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["call_task.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index("ix_desk_reservation_agent_id", "desk_reservation", ["agent_id"])


def downgrade() -> None:
    op.drop_index("ix_desk_reservation_agent_id", table_name="desk_reservation")
    op.drop_table("desk_reservation")
    op.drop_index("ix_desk_call_campaign", table_name="desk_call")
    op.drop_index("ix_desk_call_agent", table_name="desk_call")
    op.drop_index("ix_desk_call_task_id", table_name="desk_call")
    op.drop_table("desk_call")
    op.drop_index("ix_campaign_agent_user_id", table_name="campaign_agent")
    op.drop_table("campaign_agent")
    op.drop_table("cti_agent")
