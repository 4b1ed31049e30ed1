"""SQL-level PREPARE … FROM, EXECUTE … USING and DEALLOCATE PREPARE on a branch (text protocol).

The same sequence runs on a branch through the proxy and on a real copy directly; replies must
match, and the shared database must not change.
"""

from __future__ import annotations

from typing import Any

import pymysql

from .helpers import admin, branch

STEPS = (
    "PREPARE ins FROM 'INSERT INTO users (name, email) VALUES (?, ?)'",
    "SET @n = 'Bob', @e = 'bob@x.org'",
    "EXECUTE ins USING @n, @e",
    "SET @n = 'O''Reilly \\\\ é', @e = NULL",
    "EXECUTE ins USING @n, @e",
    "SET @sql = 'SELECT id, name, email FROM users WHERE id >= ? ORDER BY id'",
    "PREPARE sel FROM @sql",
    "SET @from = 1",
    "EXECUTE sel USING @from",
    "PREPARE upd FROM 'UPDATE users SET email = ? WHERE id = ?'",
    "SET @e = 'alice@x.org', @id = 1",
    "EXECUTE upd USING @e, @id",
    "EXECUTE sel USING @from",
    "EXECUTE ins USING @n",  # wrong argument count
    "EXECUTE nosuch",
    "DEALLOCATE PREPARE upd",
    "EXECUTE upd USING @e, @id",
    "DROP PREPARE sel",
    "PREPARE bad FROM 'SELEC 1'",
    "PREPARE cnt FROM 'SELECT COUNT(*), MAX(id) FROM users'",
    "EXECUTE cnt",
    "EXECUTE IMMEDIATE 'INSERT INTO users (name) VALUES (?)' USING 'Eve'",  # MariaDB syntax
    "SET @q = 'SELECT u.name FROM users AS u JOIN users AS v USING (id) WHERE u.id > ?'",
    "EXECUTE IMMEDIATE @q USING 2",
)


def run_steps(conn: Any) -> list[Any]:
    out: list[Any] = []
    with conn.cursor() as cur:
        for sql in STEPS:
            try:
                cur.execute(sql)
                out.append(
                    [list(r) for r in cur.fetchall()]
                    if cur.description
                    else [cur.rowcount, cur.lastrowid]
                )
            except pymysql.err.MySQLError as e:
                out.append(["err", e.args[0]])
    return out


def test_sql_level_prepare_matches_real_copy(upstream: Any, proxy: Any, schema: str) -> None:
    setup = (
        "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255),"
        " email VARCHAR(255))",
        "INSERT INTO users (name) VALUES ('Alice')",
    )
    copy = f"{schema}_copy"
    admin(upstream, f"USE `{schema}`", *setup)
    admin(upstream, f"CREATE DATABASE `{copy}`", f"USE `{copy}`", *setup)
    try:
        conn = upstream.connect(database=copy, autocommit=True)
        try:
            want = run_steps(conn)
        finally:
            conn.close()
    finally:
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    with branch(upstream, "all") as name:
        conn = proxy.connect(user=f"{upstream.user}~{name}", database=schema, autocommit=True)
        try:
            got = run_steps(conn)
        finally:
            conn.close()
    assert got == want
    assert want[8] == [[1, "Alice", None], [2, "Bob", "bob@x.org"], [3, "O'Reilly \\ é", None]]
    assert admin(upstream, f"SELECT id, name, email FROM `{schema}`.users") == [(1, "Alice", None)]
