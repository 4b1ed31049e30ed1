"""orders.product_id, filled, with a foreign key to products; products.name unique

Revision ID: r6
Revises: r5
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r6"
down_revision = "r5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("product_id", sa.Integer, nullable=True))
    op.execute("UPDATE orders SET product_id = 1 + id % 50")
    op.create_foreign_key("fk_orders_product", "orders", "products", ["product_id"], ["id"])
    op.create_unique_constraint("uq_products_name", "products", ["name"])


def downgrade() -> None:
    op.drop_constraint("uq_products_name", "products", type_="unique")
    op.drop_constraint("fk_orders_product", "orders", type_="foreignkey")
    op.drop_column("orders", "product_id")
