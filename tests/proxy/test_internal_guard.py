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


def test_field_list_of_a_changed_table_is_refused(proxy: Any, schema: str) -> None:
    """COM_FIELD_LIST would describe the shared table: refused for a table the branch changed,
    relayed for one it did not."""
    from pymysql.constants import COMMAND

    conn = proxy.connect(branch=_branch(), database=schema, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE `{schema}`.same (id INT PRIMARY KEY)")
        admin = proxy.connect(database=schema, autocommit=True)
        with admin.cursor() as cur:
            cur.execute("CREATE TABLE clean (id INT PRIMARY KEY, v INT)")
        admin.close()
        conn._execute_command(COMMAND.COM_FIELD_LIST, b"same\0")
        with pytest.raises(pymysql.MySQLError) as info:
            conn._read_packet()
        assert info.value.args[0] == 1235
        assert "SHOW COLUMNS" in info.value.args[1]
        conn._execute_command(COMMAND.COM_FIELD_LIST, b"clean\0")
        first = conn._read_packet()  # a column definition of the shared, unchanged table
        assert b"clean" in first.get_all_data()
        while not conn._read_packet().is_eof_packet():
            pass
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM same")
            assert cur.fetchone() == (0,)
    finally:
        conn.close()
