"""The pure parts of branch metadata: which SHOW/DESCRIBE forms are recognised and what they
name, the cheap pre-check, and which statements name branchdb's internal schemas."""

from __future__ import annotations

import pytest

from branchdb.cow.metadata_guard import _internal_name, touches_metadata
from branchdb.cow.metadata_parse import ShowStatement, parse_show

FORMS = [
    ("SHOW TABLES", ShowStatement("TABLES", "SHOW TABLES", None, None, "", False)),
    (
        "show full tables from `d b` like 'a%';",
        ShowStatement("TABLES", "show full tables", "d b", None, "like 'a%'", False),
    ),
    (
        "SHOW TABLE STATUS IN x WHERE Name = 't'",
        ShowStatement("TABLE STATUS", "SHOW TABLE STATUS", "x", None, "WHERE Name = 't'", True),
    ),
    (
        "SHOW FULL COLUMNS FROM t FROM d LIKE 'i%'",
        ShowStatement("COLUMNS", "SHOW FULL COLUMNS", "d", "t", "LIKE 'i%'", False),
    ),
    (
        "SHOW FIELDS IN d.`t`",
        ShowStatement("COLUMNS", "SHOW FIELDS", "d", "t", "", False),
    ),
    (
        "SHOW KEYS IN d.t WHERE Key_name = 'PRIMARY'",
        ShowStatement("INDEX", "SHOW KEYS", "d", "t", "WHERE Key_name = 'PRIMARY'", True),
    ),
    ("SHOW INDEX FROM status", ShowStatement("INDEX", "SHOW INDEX", None, "status", "", False)),
    (
        "SHOW CREATE TABLE d.`t`",
        ShowStatement("CREATE TABLE", "SHOW CREATE TABLE", "d", "t", "", False),
    ),
    ("SHOW CREATE VIEW v", ShowStatement("CREATE VIEW", "SHOW CREATE VIEW", None, "v", "", False)),
    (
        "SHOW CREATE SCHEMA IF NOT EXISTS `n`",
        ShowStatement("CREATE DATABASE", "SHOW CREATE SCHEMA IF NOT EXISTS", None, "n", "", False),
    ),
    ("DESC t id", ShowStatement("DESCRIBE", "DESC", None, "t", "id", False)),
    ("describe d.t 'i%'", ShowStatement("DESCRIBE", "describe", "d", "t", "'i%'", False)),
    ("EXPLAIN t", ShowStatement("DESCRIBE", "EXPLAIN", None, "t", "", False)),
    (
        "SHOW SCHEMAS LIKE 'x%'",
        ShowStatement("DATABASES", "SHOW SCHEMAS", None, None, "LIKE 'x%'", False),
    ),
    ("SHOW TRIGGERS FROM d", ShowStatement("TRIGGERS", "SHOW TRIGGERS", "d", None, "", False)),
]


@pytest.mark.parametrize(("sql", "want"), FORMS)
def test_forms(sql: str, want: ShowStatement) -> None:
    assert parse_show(sql) == want


@pytest.mark.parametrize(
    "sql",
    [
        "EXPLAIN SELECT * FROM t",
        "DESCRIBE SELECT 1",
        "EXPLAIN FORMAT=JSON SELECT 1",
        "SHOW VARIABLES LIKE 'x'",
        "SHOW CREATE PROCEDURE p",
        "SHOW COLUMNS t",  # no FROM: the server's syntax error, not ours
        "SHOW TABLES FROM d GARBAGE",
        "SELECT 1",
    ],
)
def test_other_statements_are_not_metadata_forms(sql: str) -> None:
    assert parse_show(sql) is None


def test_cheap_precheck() -> None:
    for sql in (
        "show tables",
        "  describe t",
        "select * from information_schema.columns",
        "select * from `_branchdb`.branches",
        "use _bdb_1234abcd_shop",
    ):
        assert touches_metadata(sql), sql
    for sql in (
        "select * from t order by a desc",
        "update t set showing = 1",
        "show warnings",  # must stay a passthrough: it reports the previous statement
        "explain select * from t",
        "describe select 1",
        "show variables like 'x'",
    ):
        assert not touches_metadata(sql), sql
    for sql in (
        "show full columns from t",
        "\n show table  status",
        "explain t",
        "desc `t`",
        "show extended index from t",
    ):
        assert touches_metadata(sql), sql


def test_internal_names_are_found_in_identifiers_only() -> None:
    assert _internal_name("SELECT * FROM _branchdb.branches") == "_branchdb"
    assert _internal_name("SELECT * FROM `_bdb_1234abcd_shop`.t") == "_bdb_1234abcd_shop"
    assert _internal_name("DROP DATABASE _BDB_1234abcd_shop") == "_BDB_1234abcd_shop"
    assert _internal_name("SELECT '_branchdb', \"_bdb_x\" FROM t") is None
    assert _internal_name("SELECT 1 /* _branchdb */") is None
    assert _internal_name("SELECT * FROM _bdbt_items") is None  # tombstone prefix, not a schema
