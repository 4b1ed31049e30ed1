"""The read benchmark's dataset: users, orgs and orders, built once and kept between runs.

Why this shape: the read planner must be judged on tables big enough that a bad plan shows
(1 M users, 2 M orders by default, as in the research behind DESIGN.md §5), so the load must be
fast and must run on MySQL 8 and MariaDB alike. Rows are generated server-side by
`INSERT … SELECT` over a cross join of a ten-row digits table (no sequence engine, no recursive
CTE depth limit), every value a function of the row id, and secondary indexes are added after
the load (a sorted index build beats random inserts). A table comment marks a finished load, so
an interrupted one is rebuilt and a finished one is reused when its row count matches.

The real copy used to check branch results is a second schema with `users` and `orders` copied
from the base (`orgs` never changes on a branch, so copy queries read the base's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pymysql

from branchdb.bench.target import Target

_DONE = "bdb_bench_reads complete rows="


@dataclass(frozen=True)
class Scale:
    """Row counts of one dataset: `users` rows, with orgs and orders derived from it."""

    users: int

    @property
    def orgs(self) -> int:
        return max(10, self.users // 100)

    @property
    def orders(self) -> int:
        return 2 * self.users


def connect(target: Target, database: str | None = None, **kw: Any) -> Any:
    """An autocommit PyMySQL connection (the harness's own, never a branch's)."""
    args = target.pymysql_kwargs() | kw
    return pymysql.connect(**args, database=database, autocommit=True)


def one(cur: Any, sql: str, args: Any = None) -> Any:
    cur.execute(sql, args)
    row = cur.fetchone()
    return row[0] if row else None


def _numbers(digits: int) -> str:
    """A derived table `s(n)` of 0 .. 10**digits - 1 from cross joins of the digits table."""
    terms = " + ".join(f"{10**k} * d{k}.d" for k in range(digits))
    joins = " CROSS JOIN ".join(f"_digits d{k}" for k in range(digits))
    return f"(SELECT {terms} AS n FROM {joins}) s"


USERS_DDL = (
    "CREATE TABLE users (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, org_id INT NOT NULL,"
    " email VARCHAR(255) NOT NULL, name VARCHAR(100) NOT NULL, score INT NOT NULL,"
    " created_at DATETIME NOT NULL) ENGINE=InnoDB"
)
ORGS_DDL = (
    "CREATE TABLE orgs (id INT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL,"
    " plan VARCHAR(16) NOT NULL) ENGINE=InnoDB"
)
ORDERS_DDL = (
    "CREATE TABLE orders (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL,"
    " amount DECIMAL(10,2) NOT NULL, status VARCHAR(16) NOT NULL,"
    " created_at DATETIME NOT NULL) ENGINE=InnoDB"
)
SECONDARY = {
    "users": "ADD KEY idx_org (org_id), ADD UNIQUE KEY uq_email (email)",
    "orders": "ADD KEY idx_user (user_id)",
}


def _load(cur: Any, scale: Scale) -> None:
    cur.execute("CREATE TABLE _digits (d INT NOT NULL PRIMARY KEY)")
    cur.execute("INSERT INTO _digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
    n_users, n_orgs = scale.users, scale.orgs
    cur.execute(ORGS_DDL)
    cur.execute(
        "INSERT INTO orgs (id, name, plan) SELECT n + 1, CONCAT('org ', n + 1),"
        " CASE WHEN (n + 1) % 50 = 0 THEN 'enterprise' WHEN (n + 1) % 5 = 0 THEN 'pro'"
        f" ELSE 'free' END FROM {_numbers(len(str(n_orgs - 1)))} WHERE n < {n_orgs}"
    )
    cur.execute(USERS_DDL)
    cur.execute(
        "INSERT INTO users (id, org_id, email, name, score, created_at)"
        f" SELECT n + 1, 1 + ((n + 1) * 7919) % {n_orgs}, CONCAT('user', n + 1, '@example.com'),"
        " CONCAT('user ', n + 1), ((n + 1) * 37) % 1000,"
        " TIMESTAMP('2024-01-01') + INTERVAL ((n + 1) % 525600) MINUTE"
        f" FROM {_numbers(len(str(n_users - 1)))} WHERE n < {n_users}"
    )
    # Two orders per user id slot; user_id = a bijection of the order id mod the user count.
    cur.execute(ORDERS_DDL)
    cur.execute(
        "INSERT INTO orders (id, user_id, amount, status, created_at)"
        f" SELECT 2 * u.id - j.j, 1 + ((2 * u.id - j.j) * 104729) % {n_users},"
        " ((2 * u.id - j.j) * 7907 % 100000) / 100,"
        " ELT(1 + ((2 * u.id - j.j) * 31) % 4, 'new', 'paid', 'shipped', 'cancelled'),"
        " TIMESTAMP('2024-01-01') + INTERVAL ((2 * u.id - j.j) % 525600) MINUTE"
        " FROM users u CROSS JOIN (SELECT 0 AS j UNION ALL SELECT 1) j"
    )
    for table, clauses in SECONDARY.items():
        cur.execute(f"ALTER TABLE {table} {clauses}")
    cur.execute("DROP TABLE _digits")


def ensure_dataset(target: Target, schema: str, scale: Scale, rebuild: bool) -> bool:
    """Build `schema` unless a finished load of the same size is there; True when built."""
    conn = connect(target)
    try:
        with conn.cursor() as cur:
            marker = one(
                cur,
                "SELECT TABLE_COMMENT FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA=%s AND TABLE_NAME='orders'",
                (schema,),
            )
            if not rebuild and marker == f"{_DONE}{scale.users}":
                return False
            cur.execute(f"DROP DATABASE IF EXISTS `{schema}`")
            cur.execute(f"CREATE DATABASE `{schema}`")
            cur.execute(f"USE `{schema}`")
            _load(cur, scale)
            for table in ("orgs", "users", "orders"):
                cur.execute(f"ANALYZE TABLE {table}")
                cur.fetchall()
            cur.execute("ALTER TABLE orders COMMENT = %s", (f"{_DONE}{scale.users}",))
        return True
    finally:
        conn.close()


def make_copy(target: Target, schema: str, copy: str) -> None:
    """`copy.users` and `copy.orders`: the real copy that changes are applied to directly."""
    conn = connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{copy}`")
            cur.execute(f"CREATE DATABASE `{copy}`")
            cur.execute(f"USE `{copy}`")
            for table, ddl in (("users", USERS_DDL), ("orders", ORDERS_DDL)):
                cur.execute(ddl)
                cur.execute(f"INSERT INTO {table} SELECT * FROM `{schema}`.{table}")
                cur.execute(f"ALTER TABLE {table} {SECONDARY[table]}")
                cur.execute(f"ANALYZE TABLE {table}")
                cur.fetchall()
    finally:
        conn.close()


def checksums(target: Target, schema: str) -> dict[str, int]:
    """CHECKSUM TABLE of each base table: a branch must never modify base data."""
    conn = connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CHECKSUM TABLE `{schema}`.orgs, `{schema}`.users, `{schema}`.orders")
            return {str(name): int(value) for name, value in cur.fetchall()}
    finally:
        conn.close()


def set_buffer_pool(target: Target, size: int) -> int:
    """Resize the server's InnoDB buffer pool (bytes, online); returns the previous size.

    Why: with the 128 MiB default and O_DIRECT, 1 M-row scans read the disk on every run and
    the ratios measure I/O, not plans (the research behind DESIGN.md §5 used 3 GB).
    """
    conn = connect(target)
    try:
        with conn.cursor() as cur:
            before = int(one(cur, "SELECT @@GLOBAL.innodb_buffer_pool_size"))
            if size != before:
                cur.execute(f"SET GLOBAL innodb_buffer_pool_size = {int(size)}")
        return before
    finally:
        conn.close()


def drop(target: Target, *schemas: str) -> None:
    conn = connect(target)
    try:
        with conn.cursor() as cur:
            for schema in schemas:
                cur.execute(f"DROP DATABASE IF EXISTS `{schema}`")
    finally:
        conn.close()
