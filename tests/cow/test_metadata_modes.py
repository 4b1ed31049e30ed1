"""Metadata on branches of the other modes: `empty` (base tables hidden unless created on the
branch) and `schema` (base tables visible, rows hidden), each against a real copy of what the
mode means: an empty database, or the base's tables without their rows."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from metadata_compare import Pair

BASE_DDL = (
    "CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, KEY ix_name (name))",
    "CREATE TABLE child (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT,"
    " CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id))",
)
BASE_ROWS = (
    "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2')",
    "INSERT INTO child (parent_id) VALUES (1), (2)",
)
FRESH = "CREATE TABLE fresh (id INT PRIMARY KEY, label VARCHAR(10), KEY ix_label (label))"

MakePair = Callable[[str, tuple[str, ...], tuple[str, ...]], Pair]


@pytest.fixture
def make_pair(upstream: Any, make_proxy: Any, schema: str) -> Iterator[MakePair]:
    """make_pair(mode, copy_ddl, changes): the base gets BASE_DDL and BASE_ROWS, the real copy
    `copy_ddl`; `changes` run on a branch of `mode` and on the copy."""
    copy_db = f"{schema}_copy"
    conns: list[Any] = []
    admin = upstream.connect(autocommit=True)

    def factory(mode: str, copy_ddl: tuple[str, ...], changes: tuple[str, ...]) -> Pair:
        proxy = make_proxy("--default-mode", mode)
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{copy_db}` CHARACTER SET utf8mb4")
            cur.execute(f"USE `{schema}`")
            for sql in BASE_DDL + BASE_ROWS:
                cur.execute(sql)
            cur.execute(f"USE `{copy_db}`")
            for sql in copy_ddl:
                cur.execute(sql)
        branch = proxy.connect(
            branch=f"meta-{mode}-{secrets.token_hex(4)}", database=schema, autocommit=True
        )
        copy = upstream.connect(autocommit=True, database=copy_db)
        conns.extend((branch, copy))
        with branch.cursor() as b, copy.cursor() as c:
            for sql in changes:
                b.execute(sql)
                c.execute(sql)
        return Pair(branch, copy, schema, copy_db)

    try:
        yield factory
    finally:
        for conn in conns:
            conn.close()
        with admin.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM `{schema}`.child")
            assert cur.fetchone() == (2,)  # the base is untouched
            cur.execute(f"DROP DATABASE IF EXISTS `{copy_db}`")
        admin.close()


COMMON = (
    "SHOW TABLES",
    "SHOW FULL TABLES FROM `{db}`",
    "SHOW TABLES LIKE 'f%'",
    "SHOW TABLE STATUS",
    "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}'"
    " ORDER BY 1",
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = '{db}' ORDER BY 1, ORDINAL_POSITION",
    "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS"
    " WHERE TABLE_SCHEMA = '{db}' ORDER BY 1, 2, SEQ_IN_INDEX",
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM"
    " information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = '{db}' ORDER BY 1, 2",
    "SHOW COLUMNS FROM fresh",
    "SHOW CREATE TABLE fresh",
    "SHOW INDEX FROM fresh",
)


def test_empty_mode_shows_only_branch_tables(make_pair: MakePair) -> None:
    pair = make_pair("empty", (), (FRESH, "INSERT INTO fresh VALUES (1, 'x')"))
    for sql in COMMON:
        pair.same(sql)
    _, rows = pair.same("SHOW TABLES")
    assert rows == [("fresh",)]
    for sql in ("SHOW COLUMNS FROM parent", "DESCRIBE child", "SHOW CREATE TABLE parent"):
        assert pair.both(sql) == (("err", 1146), ("err", 1146)), sql


def test_schema_mode_shows_base_tables(make_pair: MakePair) -> None:
    changes = (FRESH, "ALTER TABLE parent ADD COLUMN extra INT NOT NULL DEFAULT 7")
    pair = make_pair("schema", BASE_DDL, changes)
    for sql in COMMON:
        pair.same(sql)
    _, rows = pair.same("SHOW TABLES")
    assert [r[0] for r in rows] == ["child", "fresh", "parent"]
    pair.same("SHOW CREATE TABLE parent")
    pair.same("SHOW CREATE TABLE child")
    pair.same("DESCRIBE parent")
