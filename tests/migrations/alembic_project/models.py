"""The shop's models as they stand at the head revision: `alembic check` must find no diff."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(255), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    UniqueConstraint("email", name="uq_customers_email"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "customer_id",
        Integer,
        ForeignKey("customers.id", name="fk_orders_customer"),
        nullable=False,
    ),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("comment", String(255), nullable=True),
    Column("placed", Date, nullable=False),
    Column(
        "product_id",
        Integer,
        ForeignKey("products.id", name="fk_orders_product"),
        nullable=True,
    ),
    Index("ix_orders_placed", "placed"),
)

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    UniqueConstraint("name", name="uq_products_name"),
)

addresses = Table(
    "addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "customer_id",
        Integer,
        ForeignKey("customers.id", name="fk_addresses_customer"),
        nullable=False,
    ),
    Column("city", String(100), nullable=False),
)
