"""Steps run by mysql-connector-python with prepared=True, on a branch and on a real copy.

Pytest-free so the C extension can run them in a fresh interpreter (``cext_runner.py``). Every
result is JSON data (values as repr) so both sides compare exactly.
"""

from __future__ import annotations

import datetime
import decimal
import io
from typing import Any

import mysql.connector

USERS = "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255))"
EMPTY_MIGRATION = (
    "CREATE TABLE IF NOT EXISTS users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255),"
    " email VARCHAR(255))"
)
ALL_MIGRATION = "ALTER TABLE users ADD COLUMN email VARCHAR(255)"
VALS = (
    "CREATE TABLE vals (id INT AUTO_INCREMENT PRIMARY KEY, i INT, u BIGINT UNSIGNED,"
    " d DECIMAL(12,4), f FLOAT, g DOUBLE, dt DATE, ts DATETIME(6), t TIME(6), s VARCHAR(50),"
    " b LONGBLOB, n INT NULL, k TINYINT)"
)


def _norm(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    if isinstance(v, bytearray):
        v = bytes(v)
    return repr(v)


def _try(out: dict[str, Any], key: str, cur: Any, sql: str, params: Any = ()) -> None:
    try:
        cur.execute(sql, params)
        if cur.description:
            out[key] = {"cols": [d[0] for d in cur.description], "rows": _norm(cur.fetchall())}
        else:
            out[key] = {"rowcount": cur.rowcount, "lastrowid": cur.lastrowid}
    except mysql.connector.Error as e:
        out[key] = {"errno": e.errno, "sqlstate": e.sqlstate}


def scenario(conn: Any, mode: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    early = conn.cursor(prepared=True)  # prepared while `users` is still clean on the branch
    if mode == "all":
        _try(out, "before", early, "SELECT * FROM users WHERE id >= ? ORDER BY id", (1,))
    p = conn.cursor(prepared=True)
    _try(out, "migration", p, ALL_MIGRATION if mode == "all" else EMPTY_MIGRATION)
    ins = conn.cursor(prepared=True)
    _try(out, "insert", ins, "INSERT INTO users(name, email) VALUES(?, ?)", ("Bob", "bob@x.org"))
    _try(out, "insert_null", ins, "INSERT INTO users(name, email) VALUES(?, ?)", ("Nul", None))
    tricky = 'O\'Reilly \\ "q" é ✓ \x00 end'
    _try(out, "insert_tricky", ins, "INSERT INTO users(name, email) VALUES(?, ?)", (tricky, "t"))
    try:
        ins.executemany(
            "INSERT INTO users(name, email) VALUES(?, ?)", [("Cy", "c@x"), ("Di", "d@x")]
        )
        out["executemany"] = ins.rowcount
    except mysql.connector.Error as e:
        out["executemany"] = [e.errno]
    upd = conn.cursor(prepared=True)
    _try(out, "update", upd, "UPDATE users SET email = ? WHERE name = ?", ("bob@y.org", "Bob"))
    _try(out, "delete", upd, "DELETE FROM users WHERE name = ? OR name = ?", ("Cy", "nobody"))
    _try(out, "list", p, "SELECT id, name, email FROM users ORDER BY id")
    _try(out, "by_id", p, "SELECT name, email FROM users WHERE id = ?", (2,))
    _try(out, "like", p, "SELECT COUNT(*) FROM users WHERE name LIKE ? AND id > ?", ("%o%", 0))
    if mode == "all":  # the statement prepared on the clean table, executed after the changes
        _try(out, "after", early, "SELECT * FROM users WHERE id >= ? ORDER BY id", (1,))
    _try(out, "bad_column", p, "SELECT nope FROM users WHERE id = ?", (1,))
    _try(out, "syntax", p, "SELEC ? FROM users", (1,))
    _try(out, "dup_table", p, USERS)
    return out


def values_round_trip(conn: Any, cext: bool) -> dict[str, Any]:
    """Parameters of every kind the driver binds, written by a prepared INSERT and read back.

    The C extension cannot bind a BIGINT UNSIGNED above 2**63 - 1 and sends garbage bytes for a
    timedelta (hour 255, minute 255, ...): those two values differ for it.
    """
    out: dict[str, Any] = {}
    cur = conn.cursor(prepared=True)
    row = (
        -5,
        2**62 + 7 if cext else 2**63 + 7,
        decimal.Decimal("-1234.5678"),
        1.25,
        0.1,
        datetime.date(2024, 2, 29),
        datetime.datetime(2024, 2, 29, 23, 59, 58, 123456),
        None if cext else datetime.timedelta(hours=-30, minutes=-5, seconds=-1, microseconds=-5),
        "héllo ' \\",
        b"\x00\xff\x10'\\",
        None,
        True,
    )
    _try(
        out,
        "insert",
        cur,
        "INSERT INTO vals (i, u, d, f, g, dt, ts, t, s, b, n, k) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        row,
    )
    _try(out, "long_data", cur, "UPDATE vals SET b = ? WHERE i = ?", (io.BytesIO(b"x" * 70000), -5))
    _try(
        out,
        "read",
        cur,
        "SELECT i, u, d, f, g, dt, ts, t, s, LENGTH(b), n, k FROM vals WHERE s = ? ORDER BY id",
        ("héllo ' \\",),
    )
    _try(
        out,
        "count",
        cur,
        "SELECT COUNT(*) FROM vals WHERE ts > ? AND f = ?",
        (datetime.datetime(2024, 1, 1), 1.25),
    )
    return out


VALS = (
    "CREATE TABLE vals (id INT AUTO_INCREMENT PRIMARY KEY, i INT, u BIGINT UNSIGNED,"
    " d DECIMAL(12,4), f FLOAT, g DOUBLE, dt DATE, ts DATETIME(6), t TIME(6), s VARCHAR(50),"
    " b LONGBLOB, n INT NULL, k TINYINT)"
)


DDL_STEPS = (
    ("create", "CREATE TABLE extra (id INT PRIMARY KEY, note VARCHAR(20))", ()),
    ("insert", "INSERT INTO extra VALUES (?, ?)", (1, "one")),
    ("add_column", "ALTER TABLE users ADD COLUMN age INT NULL", ()),
    ("update", "UPDATE users SET age = ? WHERE name = ?", (30, "Alice")),
    ("read", "SELECT name, age FROM users WHERE age >= ? ORDER BY id", (1,)),
    ("truncate", "TRUNCATE TABLE extra", ()),
    ("read_extra", "SELECT COUNT(*) FROM extra WHERE id > ?", (0,)),
    ("drop", "DROP TABLE extra", ()),
    ("read_dropped", "SELECT * FROM extra WHERE id = ?", (1,)),
    ("create_if", "CREATE TABLE IF NOT EXISTS users (id INT)", ()),
)


def ddl(conn: Any) -> dict[str, Any]:
    """DDL the server lets a client prepare, with prepared reads and writes in between.

    The branch's DDL subset (cow/ddl.py): CREATE TABLE, ALTER TABLE ADD COLUMN, TRUNCATE, DROP.
    """
    out: dict[str, Any] = {}
    for key, sql, params in DDL_STEPS:
        _try(out, key, conn.cursor(prepared=True), sql, params)
    return out
