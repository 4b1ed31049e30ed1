"""INSERT/REPLACE/DELETE … RETURNING on a branch answer as on a real copy.

Django (every `Model.objects.create`, django_migrations included) and SQLAlchemy (Alembic's
version table) use RETURNING on MariaDB 10.5+, so the migration tests depend on it. The replies
are compared whatever they are: on MySQL 8, which has no RETURNING, both sides give 1064.
"""

from __future__ import annotations

from typing import Any

import mysql.connector
import pymysql
import pytest
from prepared.helpers import admin, branch, connector

from .links import Target, direct, on_branch
from .realcopy import real_copy

pytestmark = pytest.mark.timeout(60)

STATEMENTS = (
    "CREATE TABLE fresh (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))",
    "INSERT INTO fresh (v) VALUES ('a'), ('b') RETURNING id, v",
    "INSERT INTO items (v) VALUES ('new') RETURNING id, v",
    "INSERT INTO items (v) VALUES ('x'), ('y') RETURNING id, CONCAT(v, '!') AS loud",
    "REPLACE INTO items (id, v) VALUES (2, 'two') RETURNING id, v",
    "DELETE FROM items WHERE id IN (1, 3) RETURNING id, v",
    "DELETE FROM fresh WHERE v = 'a' RETURNING *",
    "INSERT INTO fresh (v) SELECT v FROM items WHERE id < 0 RETURNING id, v",
    "INSERT INTO fresh (v) SELECT v FROM items WHERE id = 2 RETURNING id, v",
    "SELECT * FROM items ORDER BY id",
    "SELECT * FROM fresh ORDER BY id",
)


def _replies(target: Target) -> list[Any]:
    """Per statement: (column names, rows, affected rows) or ("error", errno)."""
    conn = target.connect()
    out: list[Any] = []
    try:
        with conn.cursor() as cur:
            for sql in STATEMENTS:
                try:
                    affected = cur.execute(sql)
                except pymysql.err.MySQLError as e:
                    out.append((sql, "error", e.args[0]))
                    continue
                names = [d[0] for d in cur.description or ()]
                out.append((sql, names, list(cur.fetchall()), affected))
    finally:
        conn.close()
    return out


def test_returning_on_branch_matches_real_copy(upstream: Any, proxy: Any, schema: str) -> None:
    admin(
        upstream,
        f"CREATE TABLE `{schema}`.items (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))",
        f"INSERT INTO `{schema}`.items (v) VALUES ('one'), ('two'), ('three')",
    )
    with real_copy(upstream, schema) as copy, branch(upstream, "all", prefix="ret") as name:
        want = _replies(direct(upstream, copy))
        got = _replies(on_branch(proxy, upstream, name, schema))
    mismatches = [
        f"{w[0]}\n  branch: {g[1:]}\n  copy:   {w[1:]}"
        for g, w in zip(got, want, strict=True)
        if g != w
    ]
    assert mismatches == [], "\n".join(mismatches)
    assert admin(upstream, f"SELECT id, v FROM `{schema}`.items ORDER BY id") == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
    ]


PREPARED = (
    ("INSERT INTO items (v) VALUES (?), (?) RETURNING id, v", ("p1", "p2")),
    ("REPLACE INTO items (id, v) VALUES (?, ?) RETURNING id, v", (2, "deux")),
    ("DELETE FROM items WHERE v LIKE ? RETURNING id, v", ("p%",)),
    ("DELETE FROM items WHERE id = ? RETURNING id", (999,)),
    ("SELECT id, v FROM items ORDER BY id", ()),
)


def _prepared_replies(conn: Any) -> list[Any]:
    """The same through COM_STMT_PREPARE/EXECUTE (binary rows), as mysql-connector sends them."""
    out: list[Any] = []
    try:
        for sql, params in PREPARED:
            cur = conn.cursor(prepared=True)
            try:
                cur.execute(sql, params)
                names = [d[0] for d in cur.description or ()]
                out.append((sql, names, [tuple(r) for r in cur.fetchall()]))
            except mysql.connector.Error as e:
                out.append((sql, "error", e.errno))
            finally:
                cur.close()
    finally:
        conn.close()
    return out


def test_prepared_returning_on_branch_matches_real_copy(
    upstream: Any, proxy: Any, schema: str
) -> None:
    admin(
        upstream,
        f"CREATE TABLE `{schema}`.items (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))",
        f"INSERT INTO `{schema}`.items (v) VALUES ('one'), ('two'), ('three')",
    )
    with real_copy(upstream, schema) as copy, branch(upstream, "all", prefix="retps") as name:
        want = _prepared_replies(
            connector(upstream.host, upstream.port, upstream.user, upstream.password, copy)
        )
        got = _prepared_replies(
            connector(proxy.host, proxy.port, f"{upstream.user}~{name}", upstream.password, schema)
        )
    assert got == want
    assert admin(upstream, f"SELECT COUNT(*) FROM `{schema}`.items") == [(3,)]
