"""A branch session cannot reach branchdb's own schemas by the routes that skip the engine:
session statements (SET … = (SELECT …)), the database chosen at the handshake or by COM_INIT_DB,
and unqualified information_schema tables after `USE information_schema`."""

from __future__ import annotations

import secrets
from typing import Any

import pymysql
import pytest


def _branch() -> str:
    return f"guard-{secrets.token_hex(4)}"


def test_session_statement_naming_the_catalog_is_refused(proxy: Any, schema: str) -> None:
    conn = proxy.connect(branch=_branch(), database=schema, autocommit=True)
    try:
        with conn.cursor() as cur:
            with pytest.raises(pymysql.MySQLError) as info:
                cur.execute("SET @n = (SELECT COUNT(*) FROM `_branchdb`.branches)")
            assert info.value.args[0] == 1044
            cur.execute("SELECT @n IS NULL, DATABASE()")  # nothing ran, the session is usable
            assert cur.fetchone() == (1, schema)
    finally:
        conn.close()


def test_init_db_of_an_internal_schema_is_refused(proxy: Any, schema: str) -> None:
    conn = proxy.connect(branch=_branch(), database=schema, autocommit=True)
    try:
        with pytest.raises(pymysql.MySQLError) as info:
            conn.select_db("_branchdb")  # COM_INIT_DB
        assert info.value.args[0] == 1044
        assert "internal schema" in info.value.args[1]
        with conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            assert cur.fetchone() == (schema,)
    finally:
        conn.close()


def test_handshake_database_internal_is_refused(proxy: Any) -> None:
    with pytest.raises(pymysql.MySQLError) as info:
        proxy.connect(branch=_branch(), database="_branchdb")
    assert info.value.args[0] == 1044
    plain = proxy.connect(database="_branchdb")  # without a branch: the shared server decides
    plain.close()


def test_unqualified_information_schema_shows_the_branch(proxy: Any, schema: str) -> None:
    conn = proxy.connect(branch=_branch(), database=schema, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE `{schema}`.only_here (id INT PRIMARY KEY)")
            cur.execute("USE information_schema")
            cur.execute("SELECT SCHEMA_NAME FROM SCHEMATA")
            names = {r[0] for r in cur.fetchall()}
            assert schema in names
            assert not any(n.startswith("_bdb_") or n == "_branchdb" for n in names)
            cur.execute(
                "SELECT TABLE_NAME FROM TABLES"
                " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'only_here'",
                (schema,),
            )
            assert cur.fetchall() == (("only_here",),)
    finally:
        conn.close()
