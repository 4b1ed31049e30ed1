"""A real copy of a schema: what the branch must be indistinguishable from.

CREATE TABLE … LIKE keeps columns and indexes but not foreign keys (MySQL and MariaDB both drop
them), so the FKs are read from information_schema and re-added once every table has its rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql


def _rows(cur: Any, sql: str) -> list[tuple[Any, ...]]:
    cur.execute(sql)
    return list(cur.fetchall())


def _foreign_keys(cur: Any, schema: str) -> list[str]:
    """ALTER TABLE … ADD CONSTRAINT statements (unqualified) recreating each FK of `schema`."""
    constraints = _rows(
        cur,
        "SELECT CONSTRAINT_NAME, TABLE_NAME, REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE "
        "FROM information_schema.REFERENTIAL_CONSTRAINTS "
        f"WHERE CONSTRAINT_SCHEMA = '{schema}' ORDER BY TABLE_NAME, CONSTRAINT_NAME",
    )
    out: list[str] = []
    for name, table, ref_table, on_update, on_delete in constraints:
        cols = _rows(
            cur,
            "SELECT COLUMN_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
            f"WHERE CONSTRAINT_SCHEMA = '{schema}' AND TABLE_NAME = '{table}' "
            f"AND CONSTRAINT_NAME = '{name}' ORDER BY ORDINAL_POSITION",
        )
        mine = ", ".join(f"`{c}`" for c, _ in cols)
        theirs = ", ".join(f"`{r}`" for _, r in cols)
        out.append(
            f"ALTER TABLE `{table}` ADD CONSTRAINT `{name}` FOREIGN KEY ({mine}) "
            f"REFERENCES `{ref_table}` ({theirs}) ON UPDATE {on_update} ON DELETE {on_delete}"
        )
    return out


def make_real_copy(conn: pymysql.connections.Connection, source: str, target: str) -> None:
    """Create `target` as a full copy of `source`: tables, indexes, rows, FKs."""
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{target}` CHARACTER SET utf8mb4")
        tables = [
            str(r[0])
            for r in _rows(cur, f"SHOW FULL TABLES FROM `{source}` WHERE Table_type = 'BASE TABLE'")
        ]
        fks = _foreign_keys(cur, source)
        cur.execute(f"USE `{target}`")
        for table in tables:
            cur.execute(f"CREATE TABLE `{target}`.`{table}` LIKE `{source}`.`{table}`")
            cur.execute(f"INSERT INTO `{target}`.`{table}` SELECT * FROM `{source}`.`{table}`")
        for statement in fks:
            cur.execute(statement)


@contextmanager
def real_copy(upstream: Any, source: str, suffix: str = "copy") -> Iterator[str]:
    """A copy of `source` named `<source>_<suffix>`, dropped afterwards even on failure."""
    target = f"{source}_{suffix}"
    conn = upstream.connect(autocommit=True)
    try:
        make_real_copy(conn, source, target)
        yield target
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{target}`")
        conn.close()
