"""Materialization: an ALTER no mapping expresses copies the table without locking base rows (a
teammate updates them meanwhile with innodb_lock_wait_timeout=1 and must never wait), and small
tables are copied whole on a write made outside a transaction (inside one they stay `cow`)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from cow_harness import World, connect, direct

import branchdb.cow.materialize as materialize_mod


async def _nolock(upstream: Any, db: str) -> tuple[list[str], list[Any], str]:
    world = await World.open(upstream)
    world.engine.materialize_below = 0
    problems: list[str] = []
    try:
        a = world.admin
        await a.query(f"USE `{db}`")
        await a.query(
            "CREATE TABLE big (id INT PRIMARY KEY, v DECIMAL(10,2) NOT NULL, w INT NOT NULL)"
        )
        await a.query("INSERT INTO big SELECT seq, seq / 3, seq FROM seq_1_to_30000")
        sess = await world.branch(db)
        assert (await sess.run("UPDATE big SET w = -1 WHERE id <= 5"))[0] == "ok"
        mate = await connect(upstream, db)
        world.conns.append(mate)
        await mate.query("SET SESSION innodb_lock_wait_timeout = 1")
        # Small chunks, and a teammate statement between chunks, on every base row range.
        old_chunk = materialize_mod.CHUNK_ROWS
        materialize_mod.CHUNK_ROWS = 2000
        stop = asyncio.Event()

        async def teammate() -> None:
            n = 0
            while not stop.is_set():
                lo = 1 + (n * 997) % 29000
                try:
                    await mate.query(
                        f"UPDATE big SET w = w + 1 WHERE id BETWEEN {lo} AND {lo + 50}"
                    )
                except Exception as e:  # a lock wait ends in 1205 after a second
                    problems.append(f"teammate: {e}")
                n += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(teammate())
        try:
            reply = await sess.run("ALTER TABLE big MODIFY v INT NOT NULL")
        finally:
            stop.set()
            await task
            materialize_mod.CHUNK_ROWS = old_chunk
        if reply[0] != "ok":
            problems.append(f"ALTER failed: {reply}")
        state = sess.branch.tables[(db, "big")].state
        rows = [
            await sess.run("SELECT id, v, w FROM big WHERE id IN (1, 2, 6, 29999) ORDER BY id"),
            await sess.run("SELECT COUNT(*) FROM big"),
            await direct(
                a,
                "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE"
                f" TABLE_SCHEMA = '{db}' AND TABLE_NAME = 'big' AND COLUMN_NAME = 'v'",
            ),
        ]
    finally:
        await world.close()
    return problems, rows, state


def test_materialize_locks_no_base_rows(
    schema: str, upstream: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="branchdb")
    problems, rows, state = asyncio.run(_nolock(upstream, schema))
    progress = [r for r in caplog.records if "materialize_progress" in r.getMessage()]
    assert len(progress) == 30000 // 2000  # a line per full chunk
    assert progress[-1].getMessage().endswith(" rows=29995")  # 5 rows were on the branch
    assert problems == []
    assert state == "materialized"
    sample, count, base_type = rows
    assert sample[0] == "rows"
    # 1/3 = 0.33 → 0, 2/3 = 0.67 → 1 (the server's own DECIMAL → INT rounding); w as branch saw it
    assert sample[2][0][:3] == (b"1", b"0", b"-1")
    assert sample[2][1][:2] == (b"2", b"1")
    assert count[2] == ((b"30000",),)
    assert base_type[2] == ((b"decimal(10,2)",),)  # the base keeps its type


async def _small(upstream: Any, db: str) -> dict[str, Any]:
    world = await World.open(upstream)
    world.engine.materialize_below = 1000
    out: dict[str, Any] = {}
    try:
        a = world.admin
        await a.query(f"USE `{db}`")
        for t, n in (("small", 1000), ("large", 1001), ("intx", 50)):
            await a.query(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT NOT NULL)")
            await a.query(f"INSERT INTO {t} SELECT seq, seq FROM seq_1_to_{n}")
        sess = await world.branch(db)
        started = time.perf_counter()
        out["small_reply"] = await sess.run("UPDATE small SET v = -v WHERE id = 7")
        out["small_secs"] = time.perf_counter() - started
        out["large_reply"] = await sess.run("UPDATE large SET v = -v WHERE id = 7")
        await sess.run("BEGIN")
        out["intx_reply"] = await sess.run("UPDATE intx SET v = -v WHERE id = 7")
        out["intx_state_in_tx"] = sess.branch.tables[(db, "intx")].state
        await sess.run("ROLLBACK")
        out["intx_after_rollback"] = await sess.run("SELECT COUNT(*), SUM(v) FROM intx")
        await sess.run("UPDATE intx SET v = -v WHERE id = 8")
        out["states"] = {t: sess.branch.tables[(db, t)].state for t in ("small", "large", "intx")}
        out["small_rows"] = await sess.run("SELECT COUNT(*), SUM(v) FROM small")
        out["intx_rows"] = await sess.run("SELECT COUNT(*), SUM(v) FROM intx")
        await a.query("INSERT INTO small VALUES (5000, 1)")  # a teammate's later base row
        out["small_after_base_insert"] = await sess.run("SELECT COUNT(*) FROM small")
        out["relayed"] = list(sess.relayed)
    finally:
        await world.close()
    return out


def test_small_tables_materialize_on_write(schema: str, upstream: Any) -> None:
    out = asyncio.run(_small(upstream, schema))
    assert out["small_reply"][:2] == ("ok", 1)
    assert out["large_reply"][:2] == ("ok", 1)
    assert out["intx_reply"][:2] == ("ok", 1)
    assert out["intx_state_in_tx"] == "cow"  # copied later, outside the transaction
    assert out["intx_after_rollback"][2] == ((b"50", b"1275"),)
    assert out["states"] == {"small": "materialized", "large": "cow", "intx": "materialized"}
    assert out["small_rows"][2] == ((b"1000", str(500500 - 14).encode()),)
    assert out["intx_rows"][2] == ((b"50", str(1275 - 16).encode()),)
    # Materialized: the branch holds its own copy, reads are plain overlay queries.
    assert out["small_after_base_insert"][2] == ((b"1000",),)
    print(f"first write with a 1,000-row copy: {out['small_secs'] * 1000:.1f} ms")
    assert out["small_secs"] < 5


async def _failed_copy(upstream: Any, db: str) -> dict[str, Any]:
    world = await World.open(upstream)
    out: dict[str, Any] = {}
    old_chunk, old_lit = materialize_mod.CHUNK_ROWS, materialize_mod._lit
    calls = {"n": 0}

    def failing_lit(value: bytes | None) -> str:
        calls["n"] += 1
        if calls["n"] > 3:  # the third chunk: two chunks are already in the overlay
            raise RuntimeError("copy interrupted")
        return old_lit(value)

    try:
        a = world.admin
        await a.query(f"USE `{db}`")
        await a.query("CREATE TABLE m (id INT PRIMARY KEY, v DECIMAL(6,2) NOT NULL)")
        await a.query("INSERT INTO m SELECT seq, seq / 3 FROM seq_1_to_1000")
        sess = await world.branch(db)
        await sess.run("UPDATE m SET v = -1 WHERE id IN (1, 500)")
        before = await sess.run("SELECT * FROM m ORDER BY id")
        materialize_mod.CHUNK_ROWS = 200
        materialize_mod._lit = failing_lit
        try:
            out["reply"] = await sess.run("ALTER TABLE m MODIFY v INT NOT NULL")
        except RuntimeError as e:
            out["raised"] = str(e)
        finally:
            materialize_mod.CHUNK_ROWS, materialize_mod._lit = old_chunk, old_lit
        out["state"] = sess.branch.tables[(db, "m")].state
        out["same_rows"] = await sess.run("SELECT * FROM m ORDER BY id") == before
        # The triggers are back: a later write still hides its base row.
        await sess.run("UPDATE m SET v = -2 WHERE id = 700")
        out["after"] = await sess.run("SELECT COUNT(*), SUM(v = -2) FROM m")
    finally:
        await world.close()
    return out


def test_failed_copy_leaves_the_table_as_it_was(schema: str, upstream: Any) -> None:
    out = asyncio.run(_failed_copy(upstream, schema))
    assert out.get("raised") == "copy interrupted", out
    assert out["state"] == "cow"
    assert out["same_rows"] is True
    assert out["after"][2] == ((b"1000", b"1"),)


async def _busy(upstream: Any, db: str) -> dict[str, Any]:
    world = await World.open(upstream)
    world.engine.materialize_below = 1000
    out: dict[str, Any] = {}
    try:
        a = world.admin
        await a.query(f"USE `{db}`")
        await a.query("CREATE TABLE busy (id INT PRIMARY KEY, v INT NOT NULL)")
        await a.query("INSERT INTO busy SELECT seq, seq FROM seq_1_to_100")
        first = await world.branch(db)
        second = await world.session(first.branch, db)
        await first.run("BEGIN")
        await first.run("UPDATE busy SET v = -7 WHERE id = 7")  # in a transaction: stays cow
        started = time.perf_counter()
        out["second"] = await second.run("UPDATE busy SET v = -8 WHERE id = 8")
        out["second_secs"] = time.perf_counter() - started
        out["state_while_open"] = first.branch.tables[(db, "busy")].state
        await first.run("COMMIT")
        out["rows"] = await second.run("SELECT COUNT(*), SUM(v < 0), SUM(v) FROM busy")
    finally:
        await world.close()
    return out


def test_small_table_copy_gives_way_to_open_transactions(schema: str, upstream: Any) -> None:
    """Another session of the branch holds uncommitted rows of the table: the copy would wait
    for them, so it gives up after a second and the table stays `cow`, correct."""
    out = asyncio.run(_busy(upstream, schema))
    assert out["second"][:2] == ("ok", 1)
    assert out["state_while_open"] == "cow"
    assert out["second_secs"] < 8
    assert out["rows"][2] == ((b"100", b"2", str(5050 - 14 - 16).encode()),)
