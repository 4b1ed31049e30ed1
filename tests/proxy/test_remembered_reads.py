"""Reads relayed from the engine's remembered plans (session._relay_remembered) stay exact when
another connection of the branch changes the table between them."""

from __future__ import annotations

import secrets
from typing import Any

import pymysql
import pytest


def test_remembered_reads_follow_other_connections(proxy: Any, schema: str) -> None:
    admin = proxy.connect(database=schema, autocommit=True)
    with admin.cursor() as cur:
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        cur.execute("INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)")
    admin.close()
    branch = f"remember-{secrets.token_hex(4)}"
    a = proxy.connect(branch=branch, database=schema, autocommit=True)
    b = proxy.connect(branch=branch, database=schema, autocommit=True)
    read = "SELECT * FROM t WHERE id <= 2 ORDER BY id"
    try:
        with a.cursor() as ca, b.cursor() as cb:
            cb.execute("UPDATE t SET v = 11 WHERE id = 1")
            for _ in range(3):  # planned once, then relayed from the remembered plan
                ca.execute(read)
                assert ca.fetchall() == ((1, 11), (2, 20))
            cb.execute("DELETE FROM t WHERE id = 2")
            ca.execute(read)
            assert ca.fetchall() == ((1, 11),)
            cb.execute("ALTER TABLE t ADD COLUMN w INT DEFAULT 5")
            ca.execute(read)
            assert ca.fetchall() == ((1, 11, 5),)
            cb.execute("DROP TABLE t")
            ca.execute("SHOW TABLES")
            assert ("t",) not in ca.fetchall()
            with pytest.raises(pymysql.MySQLError) as info:
                ca.execute(read)
            assert info.value.args[0] == 1146
    finally:
        a.close()
        b.close()
    base = proxy.connect(database=schema, autocommit=True)
    with base.cursor() as cur:
        cur.execute("SELECT * FROM t ORDER BY id")
        assert cur.fetchall() == ((1, 10), (2, 20), (3, 30))
    base.close()
