"""rename orders.note to orders.comment

Revision ID: r4
Revises: r3
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r4"
down_revision = "r3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column(
        "orders",
        "note",
        new_column_name="comment",
        existing_type=sa.String(255),
        existing_nullable=True,
    )


def downgrade() -> None:
    op.alter_column(
        "orders",
        "comment",
        new_column_name="note",
        existing_type=sa.String(255),
        existing_nullable=True,
    )
