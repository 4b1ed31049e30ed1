"""ALTER forms sqlglot cannot parse (ADD CHECK, CONVERT TO CHARACTER SET, ALTER ONLINE TABLE):
`run_alter` handles them from the statement's tokens. Driven here through the engine, as the
proxy calls it, against the same statements on a real copy."""

from __future__ import annotations

import asyncio
from typing import Any

from cow_harness import World, connect, direct

from branchdb.cow.outcome import ErrorReply, OkReply, StatementContext

STEPS = [
    "ALTER TABLE t ADD CONSTRAINT ck CHECK (a < 40)",
    "ALTER TABLE t ADD CONSTRAINT ck CHECK (a < 100)",
    "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    "ALTER ONLINE TABLE t ADD COLUMN z INT DEFAULT 1",
]


async def _run(upstream: Any, db: str) -> tuple[list[Any], list[Any], list[Any]]:
    world = await World.open(upstream)
    world.engine.materialize_below = 0
    copy = db + "_copy"
    try:
        a = world.admin
        for d in (db, copy):
            await a.query(f"CREATE DATABASE IF NOT EXISTS `{d}`")
            await a.query(
                f"CREATE TABLE `{d}`.t (id INT PRIMARY KEY, a INT,"
                " b VARCHAR(20) CHARACTER SET latin1)"
            )
            await a.query(f"INSERT INTO `{d}`.t SELECT seq, seq, 'é' FROM `{d}`.seq_1_to_50")
        sess = await world.branch(db)
        real = await connect(upstream, copy)
        world.conns.append(real)
        change = "UPDATE t SET a = 0 WHERE id < 3"
        await sess.run(change)
        await real.query(change)
        got, want = [], []
        for sql in STEPS:
            ctx = StatementContext(sess.branch, db, sql)
            out = await world.engine.plan_and_run(ctx, sess.client)
            if isinstance(out, ErrorReply):
                got.append(("err", out.errno, out.message.replace(db, "DB")))
            else:
                got.append(("ok",) if isinstance(out, OkReply) else out)
            w = await direct(real, sql)
            if w[0] == "err":
                res = await direct(real, "SHOW WARNINGS")
                w = ("err", w[1], res)
            want.append(("ok",) if w[0] == "ok" else w)
        ts = sess.branch.tables[(db, "t")]
        shows = [
            await direct(a, f"SHOW CREATE TABLE `{ts.overlay_db}`.t"),
            await direct(a, f"SHOW CREATE TABLE `{copy}`.t"),
        ]
        rows = [
            await sess.run("SELECT * FROM t ORDER BY id"),
            await direct(real, "SELECT * FROM t ORDER BY id"),
        ]
    finally:
        await world.admin.query(f"DROP DATABASE IF EXISTS `{copy}`")
        await world.close()
    return [(g[:2], w[:2]) for g, w in zip(got, want, strict=True)] + [got], shows, rows


def test_unparsed_alter_forms(schema: str, upstream: Any) -> None:
    pairs, shows, rows = asyncio.run(_run(upstream, schema))
    codes, got = pairs[:-1], pairs[-1]
    for mine, theirs in codes:
        assert mine == theirs
    assert got[0] == ("err", 4025, "CONSTRAINT `ck` failed for `DB`.`t`")
    assert shows[0] == shows[1]
    assert rows[0] == rows[1]
