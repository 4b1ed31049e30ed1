"""Branch-only databases through the proxy: CREATE DATABASE, then `USE` and COM_INIT_DB switch to
it (the server holds it as the branch's overlay schema), and the shared server never sees it."""

from __future__ import annotations

import secrets
from typing import Any


def test_use_and_init_db_of_a_branch_database(proxy: Any, upstream: Any, schema: str) -> None:
    branch = f"test-{secrets.token_hex(4)}"
    new = f"{schema}_b"
    conn = proxy.connect(branch=branch, autocommit=True, database=schema)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{new}`")
            cur.execute(f"USE `{new}`")
            cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(5))")
            cur.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
            cur.execute("SELECT v FROM t ORDER BY id")
            assert cur.fetchall() == (("a",), ("b",))
            conn.select_db(schema)  # COM_INIT_DB back to a base database
            cur.execute(f"SELECT COUNT(*) FROM `{new}`.t")
            assert cur.fetchall() == ((2,),)
            conn.select_db(new)  # and COM_INIT_DB into the branch's database
            cur.execute("SELECT COUNT(*) FROM t")
            assert cur.fetchall() == ((2,),)
        direct = upstream.connect(autocommit=True)
        try:
            with direct.cursor() as cur:
                cur.execute(f"SHOW DATABASES LIKE '{new}'")
                assert cur.fetchall() == ()
        finally:
            direct.close()
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{new}`")
            assert cur.rowcount == 1
    finally:
        conn.close()


def test_a_database_dropped_on_the_branch_is_unknown(
    proxy: Any, upstream: Any, schema: str
) -> None:
    import pymysql

    branch = f"test-{secrets.token_hex(4)}"
    direct = upstream.connect(autocommit=True)
    try:
        with direct.cursor() as cur:
            cur.execute(f"CREATE TABLE `{schema}`.t (id INT PRIMARY KEY)")
    finally:
        direct.close()
    conn = proxy.connect(branch=branch, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{schema}`")
            assert cur.rowcount == 1
            for attempt in (lambda: conn.select_db(schema), lambda: cur.execute(f"USE `{schema}`")):
                try:
                    attempt()
                except pymysql.err.OperationalError as e:
                    assert e.args[0] == 1049
                else:
                    raise AssertionError("the dropped database was selected")
            cur.execute("SELECT DATABASE()")
            assert cur.fetchall() == ((None,),)
    finally:
        conn.close()
    direct = upstream.connect(autocommit=True)
    try:
        with direct.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM `{schema}`.t")  # the base still has it
            assert cur.fetchall() == ((0,),)
    finally:
        direct.close()
