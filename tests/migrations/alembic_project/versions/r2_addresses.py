"""addresses: a new table with a foreign key to customers, filled from customers

Revision ID: r2
Revises: r1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r2"
down_revision = "r1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_addresses_customer"),
    )
    op.execute(
        "INSERT INTO addresses (customer_id, city) "
        "SELECT id, CONCAT('City ', id % 7) FROM customers WHERE id <= 40 ORDER BY id"
    )


def downgrade() -> None:
    op.drop_table("addresses")
