"""index on orders.placed

Revision ID: r3
Revises: r2
"""

from __future__ import annotations

from alembic import op

revision = "r3"
down_revision = "r2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_placed", "orders", ["placed"])


def downgrade() -> None:
    op.drop_index("ix_orders_placed", table_name="orders")
