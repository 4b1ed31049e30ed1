"""Planned reads as server-side prepared statements, through the proxy: the engine plans them
with marker literals in place of `?` (proxy/prepared.py, "inline" kind), so a plan may repeat
or reorder parameters — LIMIT ? OFFSET ?, keyset pagination, IN lists, aggregates, joins must
still give the real copy's rows."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mysql.connector
from cow_harness import World
from test_readplan_differential import CHANGES, SCHEMA_SQL, TABLES, seed_sql

PREPARED: tuple[tuple[str, tuple[Any, ...], bool], ...] = (
    ("SELECT * FROM users WHERE id = ?", (13,), True),
    ("SELECT id, name FROM users WHERE id IN (?, ?, ?) ORDER BY id", (3, 7, 60001), True),
    ("SELECT id, name FROM users ORDER BY id LIMIT ?", (10,), True),
    ("SELECT id, name FROM users ORDER BY id LIMIT ? OFFSET ?", (5, 20), True),
    ("SELECT id, score FROM users ORDER BY score DESC, id LIMIT ?, ?", (4, 6), True),
    ("SELECT id FROM users WHERE id > ? ORDER BY id LIMIT ?", (1995, 8), True),
    ("SELECT COUNT(*), SUM(score) FROM users WHERE org_id = ?", (4,), True),
    ("SELECT MIN(amount), MAX(amount) FROM orders WHERE user_id = ?", (60001,), True),
    (
        "SELECT u.id, o.amount FROM users u JOIN orders o ON o.user_id = u.id"
        " WHERE u.id BETWEEN ? AND ?",
        (1, 40),
        False,
    ),
    ("SELECT DISTINCT name FROM users WHERE score > ?", (95,), False),
)


def _rows(conn: Any, sql: str, params: tuple[Any, ...], total: bool) -> tuple[Any, ...]:
    cur = conn.cursor(prepared=True)
    try:
        cur.execute(sql, params)
        rows = [tuple(repr(v) for v in r) for r in cur.fetchall()]
        names = tuple(d[0] for d in cur.description)
    except mysql.connector.Error as e:
        return ("err", e.errno)
    finally:
        cur.close()
    return ("rows", names, tuple(rows if total else sorted(rows)))


async def _setup(upstream: Any, base: str, name: str) -> None:
    world = await World.open(upstream)
    try:
        admin = world.admin
        await admin.query(f"USE `{base}`")
        for sql in SCHEMA_SQL + tuple(seed_sql(3000, 4000)):
            await admin.query(sql)
        await admin.query(f"CREATE DATABASE `{base}_copy`")
        for t in TABLES:
            await admin.query(f"CREATE TABLE `{base}_copy`.{t} LIKE `{base}`.{t}")
            await admin.query(f"INSERT INTO `{base}_copy`.{t} SELECT * FROM `{base}`.{t}")
        await world.lifecycle.create(name, "all")
    finally:
        world.admin.close()
        world.control.close()


async def _delete(upstream: Any, name: str) -> None:
    world = await World.open(upstream)
    world.branches.append(name)
    await world.close()


def _connect(host: str, port: int, user: str, password: str, db: str) -> Any:
    return mysql.connector.connect(
        host=host, port=port, user=user, password=password, database=db, autocommit=True
    )


@contextmanager
def _copy_and_branch(upstream: Any, proxy: Any, schema: str) -> Iterator[tuple[Any, Any]]:
    """(real copy, branch session), both with CHANGES applied; removed afterwards."""
    name = f"rp-{secrets.token_hex(4)}"
    asyncio.run(_setup(upstream, schema, name))
    real = _connect(
        upstream.host, upstream.port, upstream.user, upstream.password, schema + "_copy"
    )
    sess = _connect(proxy.host, proxy.port, f"{upstream.user}~{name}", upstream.password, schema)
    try:
        for sql in CHANGES:
            for conn in (real, sess):
                cur = conn.cursor()
                cur.execute(sql)
                cur.close()
        yield real, sess
    finally:
        sess.close()
        real.close()
        asyncio.run(_delete(upstream, name))
        admin = upstream.connect(autocommit=True)
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{schema}_copy`")
        admin.close()


def test_prepared_planned_reads(upstream: Any, proxy: Any, schema: str) -> None:
    problems = []
    with _copy_and_branch(upstream, proxy, schema) as (real, sess):
        for sql, params, total in PREPARED:
            want = _rows(real, sql, params, total)
            got = _rows(sess, sql, params, total)
            assert want[0] == "rows", (sql, want)
            if want != got:
                problems.append(f"{sql} {params}\n  copy:   {want}\n  branch: {got}")
    assert not problems, "\n".join(problems)


REPEATED = (
    "SELECT u.id, u.name, u.score FROM users u WHERE u.id BETWEEN ? AND ?"
    " AND (u.name <> ? OR ? IS NULL) AND (u.score >= ? OR u.score IS NULL) ORDER BY u.id"
)
REPEATED_PARAMS: tuple[tuple[Any, ...], ...] = (
    (1, 40, "n3!", None, 10),
    (95, 130, "zz", "zz", 50),
    (1990, 102010, "n1", None, 0),
    (60000, 60010, "n1", "n1", -5),
    (3, 3, "", None, 99),
)


def _prepares(conn: Any) -> int:
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'")
    (_, value) = cur.fetchone()
    cur.close()
    return int(value)


def test_prepared_planned_read_runs_on_one_upstream_statement(
    upstream: Any, proxy: Any, schema: str
) -> None:
    """A planned read's parameters appear in both halves of its rewrite: the rewrite is prepared
    upstream once and every EXECUTE is remapped onto it (proxy/remap.py) — same rows as a real
    copy for every parameter set, and no upstream prepare per execute."""
    with _copy_and_branch(upstream, proxy, schema) as (real, sess):
        want_cur = real.cursor(prepared=True)
        got_cur = sess.cursor(prepared=True)
        got_cur.execute(REPEATED, REPEATED_PARAMS[0])  # prepares (the rewrite too), executes
        got_cur.fetchall()
        before = _prepares(sess)
        for params in REPEATED_PARAMS:
            want_cur.execute(REPEATED, params)
            got_cur.execute(REPEATED, params)
            want, got = want_cur.fetchall(), got_cur.fetchall()
            assert got == want, params
        assert any(want_cur.execute(REPEATED, p) or want_cur.fetchall() for p in REPEATED_PARAMS)
        assert _prepares(sess) == before  # executes only: no prepare per execute
        want_cur.close()
        got_cur.close()
