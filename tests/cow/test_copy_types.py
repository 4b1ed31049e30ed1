"""Copy-up writes base rows back as literals: every column type must survive byte for byte."""

from __future__ import annotations

import asyncio
from typing import Any

from cow_harness import World, direct

TABLE = """CREATE TABLE t (
  id INT PRIMARY KEY,
  touched INT NOT NULL DEFAULT 0,
  ti TINYINT, si SMALLINT UNSIGNED, bi BIGINT, dec1 DECIMAL(20,6), fl FLOAT, db DOUBLE,
  bt BIT(10), yr YEAR,
  d DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2),
  ch CHAR(5), vc VARCHAR(30), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1,
  bn BINARY(4), vb VARBINARY(10), bl BLOB,
  en ENUM('a','b','c d'), st SET('x','y','z'),
  js JSON,
  g POINT NULL,
  gen INT AS (ti + 1) VIRTUAL
) DEFAULT CHARSET=utf8mb4"""

ROWS = [
    "(1, 0, -128, 65535, -9223372036854775808, -12345678901234.123456, 0.1, 0.30000000000000004,"
    " b'1010101010', 2024, '2024-02-29', '2024-02-29 23:59:59.123456', '2024-03-01 00:00:00.5',"
    " '-838:59:59.99', 'ab', 'héllo \\'quoted\\' \\\\ back', 'multi\\nline\\ttab',"
    " 'caf\\xe9', X'00FF0A27', X'', X'DEADBEEF00', 'c d', 'x,z', '{\"k\": [1, 2.5, \"é\"]}',"
    " ST_GeomFromText('POINT(1 2)'), DEFAULT)",
    "(2, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, DEFAULT)",
    "(3, 0, 0, 0, 0, 0, 1e-20, 1.7976931348623157e308, b'0', 1901, '1000-01-01',"
    " '9999-12-31 23:59:59.999999', NULL, '00:00:00', '', '', '', '', X'00000000', X'00',"
    " X'', 'a', '', 'null', NULL, DEFAULT)",
]


async def scenario(upstream: Any, db: str) -> list[str]:
    world = await World.open(upstream)
    problems = []
    try:
        a = world.admin
        await a.query(f"USE `{db}`")
        await a.query(TABLE)
        await a.query("INSERT INTO t VALUES " + ", ".join(ROWS))
        cols = await a.query(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
            " AND TABLE_NAME = 't' AND COLUMN_NAME <> 'touched' ORDER BY ORDINAL_POSITION"
        )
        names = [r[0].decode() for r in cols.rows]
        probe = (
            "SELECT "
            + ", ".join(f"HEX(`{n}`)" if n != "g" else "HEX(ST_AsBinary(g))" for n in names)
            + ", "
            + ", ".join(f"`{n}`" for n in names if n not in ("g",))
            + " FROM t ORDER BY id"
        )
        want = await direct(a, probe)
        sess = await world.branch(db)
        reply = await sess.run("UPDATE t SET touched = 1")
        if reply[:2] != ("ok", 3):
            problems.append(f"update: {reply}")
        got = await sess.run(probe)
        if not sess.relayed or "UNION ALL" not in sess.relayed[-1]:
            problems.append("the probe did not read the merged view")
        if got != want:
            for w, g in zip(want[2], got[2], strict=False):
                for n, wv, gv in zip(names + names, w, g, strict=False):
                    if wv != gv:
                        problems.append(f"row {w[0]!r} column {n}: base {wv!r} branch {gv!r}")
            problems.append("branch copy differs from base")
    finally:
        await world.close()
    return problems


def test_copy_up_keeps_every_type(schema: str, upstream: Any) -> None:
    problems = asyncio.run(scenario(upstream, schema))
    assert not problems, "\n".join(problems)
