"""aiomysql (asyncio PyMySQL): basic queries, a transaction, many concurrent connections."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from .endpoints import Endpoint

CONCURRENT = 50


async def _basic(target: Endpoint, schema: str) -> list[object]:
    conn = await target.aiomysql(db=schema, autocommit=True)
    try:
        async with conn.cursor() as cur:
            await cur.execute("CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v DECIMAL(6,2))")
            inserted = await cur.execute("INSERT INTO a (v) VALUES (%s), (%s)", (1.25, None))
            await cur.execute("SELECT id, v FROM a ORDER BY id")
            rows = await cur.fetchall()
            await conn.begin()
            await cur.execute("INSERT INTO a (v) VALUES (9)")
            await conn.rollback()
            await conn.begin()
            await cur.execute("UPDATE a SET v = 3 WHERE v IS NULL")
            await conn.commit()
            await cur.execute("SELECT COUNT(*), SUM(v) FROM a")
            after = await cur.fetchone()
        return [inserted, cur.lastrowid, rows, after]
    finally:
        conn.close()


def test_basic_queries_and_transaction(target: Endpoint, schema: str) -> None:
    inserted, _, rows, after = asyncio.run(_basic(target, schema))
    assert inserted == 2
    assert rows == ((1, Decimal("1.25")), (2, None))
    assert after == (2, Decimal("4.25"))


async def _one_client(target: Endpoint, schema: str, n: int) -> tuple[int, int]:
    conn = await target.aiomysql(db=schema, autocommit=True)
    try:
        async with conn.cursor() as cur:
            await cur.execute("INSERT INTO c (client) VALUES (%s)", (n,))
            await cur.execute("SELECT %s * 2, SLEEP(0.05)", (n,))
            (twice, _) = await cur.fetchone()
            await cur.execute("SELECT COUNT(*) FROM c WHERE client = %s", (n,))
            (count,) = await cur.fetchone()
        return twice, count
    finally:
        conn.close()


async def _many(target: Endpoint, schema: str) -> list[tuple[int, int]]:
    setup = await target.aiomysql(db=schema, autocommit=True)
    try:
        async with setup.cursor() as cur:
            await cur.execute("CREATE TABLE c (id INT AUTO_INCREMENT PRIMARY KEY, client INT)")
    finally:
        setup.close()
    return await asyncio.wait_for(
        asyncio.gather(*(_one_client(target, schema, n) for n in range(CONCURRENT))), timeout=60
    )


def test_many_concurrent_connections(target: Endpoint, schema: str) -> None:
    """50 connections open at once, each with its own upstream session through the proxy."""
    results = asyncio.run(_many(target, schema))
    assert results == [(2 * n, 1) for n in range(CONCURRENT)]
