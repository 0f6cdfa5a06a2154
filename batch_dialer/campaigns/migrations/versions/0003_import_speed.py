"""import speed: drop opportunity indexes that cost every insert and serve no query

opportunity.contact_id is already the leading column of uq_opportunity_contact_product;
opportunity.batch_id is only filtered by a paged push of one batch.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_contact_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_batch_id"))


def downgrade() -> None:
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunity_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_contact_id"), ["contact_id"], unique=False)
