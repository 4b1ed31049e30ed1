"""mysql-connector-python scenarios, shared by the pure-Python and the C-extension runs.

Why a plain module: the C extension of the installed connector cannot be loaded in the pytest
process (its bundled libssl must be loaded before Python's ``ssl`` module, which PyMySQL imports
first), so ``connector_runner.py`` runs these same functions in a fresh interpreter and prints
their JSON result. Every scenario returns JSON-able data (values as ``repr`` strings) so the two
targets, direct and proxy, can be compared exactly.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import mysql.connector

LONG_DATA = bytes(range(256)) * 4096 + b"tail"  # 1 MiB + 4: several SEND_LONG_DATA chunks

ROWS: list[tuple[Any, ...]] = [
    (
        -9223372036854775808,
        Decimal("-1234567.125"),
        -2.5,  # exact in single precision: the C extension binds Python floats as FLOAT
        "héllo \U0001f600",
        b"\x00\xff'\\",
        dt.datetime(2024, 2, 29, 13, 14, 15, 123456),
        dt.date(1000, 1, 1),
        dt.timedelta(hours=-838, minutes=-59, seconds=-59),
    ),
    (None, None, None, None, None, None, None, None),
    (
        18446744073709551,
        Decimal("0.001"),
        1.0,
        "",
        b"",
        dt.datetime(1970, 1, 1, 0, 0, 1),
        dt.date(9999, 12, 31),
        dt.timedelta(hours=100, microseconds=1),
    ),
]

CREATE = (
    "CREATE TABLE p (id INT AUTO_INCREMENT PRIMARY KEY, i BIGINT, d DECIMAL(12,3), f DOUBLE, "
    "s VARCHAR(50), b BLOB, ts DATETIME(6), dte DATE, tm TIME(6), lb LONGBLOB) CHARSET utf8mb4"
)
INSERT_COLUMNS = "(i, d, f, s, b, ts, dte, tm)"


def _err(e: mysql.connector.Error) -> dict[str, Any]:
    return {"errno": e.errno, "sqlstate": e.sqlstate, "msg": e.msg}


def _rows(rows: Any) -> list[list[str]]:
    # bytearray vs bytes is a driver detail, not a wire difference: normalise to bytes.
    return [[repr(bytes(v) if isinstance(v, bytearray) else v) for v in row] for row in rows]


def text_and_prepared(conn: Any, schema: str) -> dict[str, Any]:
    """Insert and read back through the text and the binary (prepared) protocol."""
    out: dict[str, Any] = {}
    conn.autocommit = True
    conn.cmd_init_db(schema)
    text = conn.cursor()
    text.execute(CREATE)
    text.execute(f"INSERT INTO p {INSERT_COLUMNS} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", ROWS[0])
    out["text_insert"] = [text.rowcount, text.lastrowid]
    prep = conn.cursor(prepared=True)
    insert = f"INSERT INTO p {INSERT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    for row in ROWS[1:]:
        prep.execute(insert, row)
        out.setdefault("prepared_insert", []).append([prep.rowcount, prep.lastrowid])
    prep.executemany(insert, ROWS)
    out["prepared_executemany"] = prep.rowcount
    # The pure driver sends a file-like parameter with COM_STMT_SEND_LONG_DATA before
    # COM_STMT_EXECUTE; the C extension does not accept one, so it gets the bytes inline.
    pure = type(conn).__name__ == "MySQLConnection"
    long_param = io.BytesIO(LONG_DATA) if pure else LONG_DATA
    prep.execute("INSERT INTO p (s, lb) VALUES (?, ?)", ("long", long_param))
    out["long_data_insert"] = [prep.rowcount, prep.lastrowid]
    prep.execute("SELECT LENGTH(lb), MD5(lb) = MD5(?) FROM p WHERE s = ?", (LONG_DATA, "long"))
    out["long_data_check"] = _rows(prep.fetchall())
    select = "SELECT id, i, d, f, s, b, ts, dte, tm FROM p WHERE id >= ? ORDER BY id"
    prep.execute(select, (1,))
    out["prepared_select"] = _rows(prep.fetchall())
    out["prepared_columns"] = [list(d[:2]) for d in prep.description]
    prep.execute(select, (5,))  # re-execution of the same statement id
    out["prepared_select_again"] = _rows(prep.fetchall())
    text.execute(select.replace("?", "%s"), (1,))
    out["text_select"] = _rows(text.fetchall())
    out["text_columns"] = [list(d[:2]) for d in text.description]
    try:
        prep.execute("SELEKT ?", (1,))
    except mysql.connector.Error as e:
        out["prepare_error"] = _err(e)
    try:
        prep.execute("INSERT INTO p (id) VALUES (?)", (1,))
    except mysql.connector.Error as e:
        out["execute_error"] = _err(e)
    prep.execute("SELECT ?, ?, ? + 1", (None, "after errors", 41))
    out["after_errors"] = _rows(prep.fetchall())
    prep.close()
    text.close()
    return out


def session_commands(
    conn: Any, schema: str, other: tuple[str, str], admin: tuple[str, str]
) -> dict[str, Any]:
    """COM_PING, COM_INIT_DB, COM_RESET_CONNECTION and COM_CHANGE_USER keep the session sane."""
    out: dict[str, Any] = {}
    cur = conn.cursor()

    def one(sql: str) -> list[str]:
        cur.execute(sql)
        return [repr(v) for v in cur.fetchone()]

    conn.ping()
    conn.cmd_init_db(schema)
    out["database"] = one("SELECT DATABASE()")
    cur.execute("SET @v = 5")
    cur.execute("CREATE TEMPORARY TABLE tmp (x INT)")
    conn.cmd_reset_connection()
    out["after_reset"] = one("SELECT @v, DATABASE()")
    try:
        cur.execute("SELECT * FROM tmp")
        cur.fetchall()
    except mysql.connector.Error as e:
        out["temp_table_after_reset"] = _err(e)
    cur.execute("SET @v = 6")
    conn.cmd_change_user(username=other[0], password=other[1], database=schema)
    out["after_change_user"] = one("SELECT CURRENT_USER(), DATABASE(), @v")
    cur.execute("CREATE TABLE owned (x INT)")
    cur.execute("INSERT INTO owned VALUES (1), (2)")
    out["insert_as_other"] = cur.rowcount
    conn.commit()  # the connector turns autocommit off; COM_CHANGE_USER would roll back
    conn.cmd_change_user(username=admin[0], password=admin[1], database=schema)
    out["after_change_back"] = one("SELECT CURRENT_USER(), (SELECT COUNT(*) FROM owned)")
    conn.ping()
    out["ping"] = "ok"
    cur.close()
    return out


def branch_session(conn: Any, schema: str) -> dict[str, Any]:
    """On a branch: reads as the plain user; text writes land on the branch only.

    Server-side prepared statements that write, or read a table the branch changed, are refused
    with 1235 for now (the proxy documents this limit): the scenario records what happens.
    """
    out: dict[str, Any] = {}
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT CURRENT_USER()")
    out["current_user"] = cur.fetchone()[0]
    prep = conn.cursor(prepared=True)
    prep.execute(f"SELECT COUNT(*) FROM `{schema}`.base WHERE id >= ?", (1,))
    out["prepared_read_clean"] = _rows(prep.fetchall())
    for sql in (
        f"INSERT INTO `{schema}`.base (name) VALUES ('from branch')",
        f"UPDATE `{schema}`.base SET name = 'changed' WHERE id = 1",
        f"DELETE FROM `{schema}`.base WHERE id = 2",
    ):
        try:
            cur.execute(sql)
            out.setdefault("writes", []).append([cur.rowcount, cur.lastrowid])
        except mysql.connector.Error as e:
            out.setdefault("writes", []).append(_err(e))
    cur.execute(f"SELECT id, name FROM `{schema}`.base ORDER BY id")
    out["rows"] = _rows(cur.fetchall())
    for name, sql, params in (
        ("prepared_write", f"INSERT INTO `{schema}`.base (name) VALUES (?)", ("prepared",)),
        ("prepared_read_changed", f"SELECT COUNT(*) FROM `{schema}`.base WHERE id >= ?", (1,)),
    ):
        try:
            prep.execute(sql, params)
            out[name] = _rows(prep.fetchall()) if prep.description else prep.rowcount
        except mysql.connector.Error as e:
            out[name] = [e.errno, e.sqlstate]
    cur.execute("SELECT 'still usable'")
    out["after"] = cur.fetchone()[0]
    prep.close()
    cur.close()
    return out
