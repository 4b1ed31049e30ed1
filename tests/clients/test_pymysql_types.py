"""PyMySQL (text protocol): every common column type reads back the same through the proxy."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from .endpoints import Endpoint

COLUMNS = """
    id INT PRIMARY KEY,
    i INT, u INT UNSIGNED, b BIGINT, bu BIGINT UNSIGNED, ti TINYINT, si SMALLINT, mi MEDIUMINT,
    d DECIMAL(20,6), f FLOAT, dbl DOUBLE,
    dte DATE, dtm DATETIME(6), ts TIMESTAMP NULL, tm TIME, tm6 TIME(6), y YEAR,
    bt BIT(10), j JSON, bl BLOB, vb VARBINARY(20), tx TEXT, vc VARCHAR(40), ch CHAR(5),
    en ENUM('a','b','c'), st SET('x','y','z')
"""

ROW = (
    1,
    -2147483648,
    4294967295,
    -9223372036854775808,
    18446744073709551615,
    -128,
    32767,
    -8388608,
    Decimal("-12345678901234.123456"),
    1.5,
    -2.25e-300,
    dt.date(2024, 2, 29),
    dt.datetime(2024, 2, 29, 13, 14, 15, 123456),
    dt.datetime(2038, 1, 19, 3, 14, 7),
    -dt.timedelta(hours=838, minutes=59, seconds=59),
    dt.timedelta(hours=100, microseconds=500000),
    2155,
    b"\x02\xaa",
    '{"a": [1, 2.5, "x"], "e": "\U0001f600"}',
    bytes(range(256)),
    b"\x00\xff\x00'\"\\",
    "héllo \U0001f600 世界",
    "\U0001f600" * 10,
    "ab",
    "b",
    "x,z",
)


def _create(conn: Any, schema: str) -> None:
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE `{schema}`.types ({COLUMNS}) CHARSET utf8mb4")
        cur.execute("SET time_zone = '+00:00'")
        placeholders = ", ".join(["%s"] * len(ROW))
        # BIT is sent as a b'' literal: a bytes parameter would be a string, not a bit value.
        values = list(ROW)
        values[17] = int.from_bytes(ROW[17], "big")
        cur.execute(f"INSERT INTO `{schema}`.types VALUES ({placeholders})", values)
        cur.execute(f"INSERT INTO `{schema}`.types (id) VALUES (2)")  # every other column NULL
    conn.commit()


def _select(conn: Any, schema: str) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(f"SELECT * FROM `{schema}`.types ORDER BY id")
        return list(cur.fetchall()), cur.description


def test_every_type_reads_back(target: Endpoint, schema: str) -> None:
    conn = target.pymysql(charset="utf8mb4", database=schema)
    try:
        _create(conn, schema)
        rows, _ = _select(conn, schema)
    finally:
        conn.close()
    assert len(rows) == 2
    got = list(rows[0])
    # MariaDB stores JSON as LONGTEXT and may reformat it: compare the parsed document.
    assert json.loads(got[18]) == json.loads(ROW[18])
    got[18] = ROW[18]
    assert tuple(got) == ROW
    assert rows[1] == (2,) + (None,) * (len(ROW) - 1)


def test_column_metadata_matches_direct(direct: Endpoint, via_proxy: Endpoint, schema: str) -> None:
    """Column definitions (type, length, flags, decimals, charset) are relayed unchanged."""
    conn = direct.pymysql(charset="utf8mb4", database=schema)
    try:
        _create(conn, schema)
        rows_direct, desc_direct = _select(conn, schema)
    finally:
        conn.close()
    conn = via_proxy.pymysql(charset="utf8mb4", database=schema)
    try:
        rows_proxy, desc_proxy = _select(conn, schema)
        with conn.cursor() as cur:
            cur.execute(f"SELECT * FROM `{schema}`.types")
            fields = [
                (f.name, f.org_name, f.table_name, f.type_code, f.length, f.flags, f.scale)
                for f in conn._result.fields
            ]
    finally:
        conn.close()
    assert desc_proxy == desc_direct
    assert rows_proxy == rows_direct
    conn = direct.pymysql(charset="utf8mb4", database=schema)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT * FROM `{schema}`.types")
            fields_direct = [
                (f.name, f.org_name, f.table_name, f.type_code, f.length, f.flags, f.scale)
                for f in conn._result.fields
            ]
    finally:
        conn.close()
    assert fields == fields_direct


def test_expressions_and_literals(target: Endpoint) -> None:
    """Values computed by the server, not stored: NULLs, casts, charsets, large numbers."""
    conn = target.pymysql(charset="utf8mb4")
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT NULL, 1 + 1, CAST(-1 AS SIGNED), 18446744073709551615, 0.1 + 0.2, "
                "1e308, CAST('838:59:59.999999' AS TIME(6)), CAST(X'00FF' AS BINARY), "
                "_utf8mb4'\U0001f680', JSON_OBJECT('k', NULL), CAST(b'1' AS UNSIGNED)"
            )
            row = cur.fetchone()
    finally:
        conn.close()
    assert row == (
        None,
        2,
        -1,
        18446744073709551615,
        Decimal("0.3"),
        1e308,
        dt.timedelta(hours=838, minutes=59, seconds=59, microseconds=999999),
        b"\x00\xff",
        "\U0001f680",
        '{"k": null}',
        1,
    )
