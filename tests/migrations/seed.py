"""The shared database the Alembic and reflection tests start from: a small shop with data.

Three tables, 450 rows, one foreign key (orders → customers). Values are derived from the row
number so every run is identical and a real copy can be compared row for row.
"""

from __future__ import annotations

from typing import Any

BASE_DDL = (
    "CREATE TABLE customers ("
    " id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " name VARCHAR(100) NOT NULL,"
    " email VARCHAR(255) NOT NULL,"
    " created DATETIME NOT NULL,"
    " UNIQUE KEY uq_customers_email (email))",
    "CREATE TABLE orders ("
    " id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " customer_id INT NOT NULL,"
    " amount DECIMAL(10,2) NOT NULL,"
    " note VARCHAR(255) NULL,"
    " placed DATE NOT NULL,"
    " CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id))",
    "CREATE TABLE products ("
    " id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " name VARCHAR(100) NOT NULL,"
    " price DECIMAL(10,2) NULL)",
)

CUSTOMERS = 100
ORDERS = 300
PRODUCTS = 50


def seed_shop_target(target: Any) -> None:
    """`seed_shop` on a connection target (see links.Target)."""
    conn = target.connect()
    try:
        seed_shop(conn, target.database)
    finally:
        conn.close()


def seed_shop(conn: Any, schema: str) -> None:
    """Create the shop tables in `schema` (directly on the shared server) and fill them."""
    with conn.cursor() as cur:
        cur.execute(f"USE `{schema}`")
        for ddl in BASE_DDL:
            cur.execute(ddl)
        cur.executemany(
            "INSERT INTO customers (name, email, created) VALUES (%s, %s, %s)",
            [
                (
                    f"Customer {i}",
                    f"c{i}@example.com",
                    f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00",
                )
                for i in range(1, CUSTOMERS + 1)
            ],
        )
        cur.executemany(
            "INSERT INTO orders (customer_id, amount, note, placed) VALUES (%s, %s, %s, %s)",
            [
                (
                    1 + i % CUSTOMERS,
                    f"{i * 3 % 997}.{i % 100:02d}",
                    None if i % 4 == 0 else f"order note {i}",
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                )
                for i in range(1, ORDERS + 1)
            ],
        )
        cur.executemany(
            "INSERT INTO products (name, price) VALUES (%s, %s)",
            [(f"Product {i}", None if i % 10 == 0 else f"{i}.99") for i in range(1, PRODUCTS + 1)],
        )
