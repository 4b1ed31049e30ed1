"""drop products.price (the downgrade brings the column back, empty)

Revision ID: r5
Revises: r4
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r5"
down_revision = "r4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("products", "price")


def downgrade() -> None:
    op.add_column("products", sa.Column("price", sa.Numeric(10, 2), nullable=True))
