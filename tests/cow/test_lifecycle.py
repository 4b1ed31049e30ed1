"""Branch lifecycle on the real catalog: create, list, show, reset, delete, protect, TTL and gc."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import pytest
from cow_harness import World, connect, direct

from branchdb.cow import catalog
from branchdb.cow.catalog import CatalogError


def run(upstream: Any, db: str, body: Any) -> None:
    async def main() -> None:
        world = await World.open(upstream)
        try:
            await world.admin.query(f"USE `{db}`")
            await world.admin.query("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
            await world.admin.query("INSERT INTO t SELECT seq, seq FROM seq_1_to_1000")
            await body(world, db)
        finally:
            await world.close()

    asyncio.run(main())


def _name() -> str:
    return f"lc-{secrets.token_hex(4)}"


def test_create_is_a_catalog_insert(schema: str, upstream: Any) -> None:
    async def body(world: World, db: str) -> None:
        lc = world.lifecycle
        v0 = await catalog.catalog_version(world.control)
        name = _name()
        started = time.monotonic()
        info = await lc.create(name, "all", ttl_secs=3600, owner="me")
        elapsed = time.monotonic() - started
        world.branches.append(name)
        assert elapsed < 0.5, elapsed
        assert await catalog.catalog_version(world.control) > v0
        assert info.name == name and info.mode == "all" and info.owner == "me"
        assert len(info.id) == 8 and not info.tables
        with pytest.raises(CatalogError):
            await lc.create(name)
        with pytest.raises(CatalogError):
            await lc.create(_name(), "bogus")
        assert (await lc.get(info.id)) is not None

    run(upstream, schema, body)


def test_list_show_reset_delete(schema: str, upstream: Any) -> None:
    async def body(world: World, db: str) -> None:
        lc = world.lifecycle
        sess = await world.branch(db)
        name = sess.branch.name
        await sess.run("UPDATE t SET v = 0 WHERE id <= 5")
        usage = await lc.show(name)
        assert [(t.base_db, t.table, t.state) for t in usage.info.tables.values()] == [
            (db, "t", "cow")
        ]
        assert usage.overlay_bytes > 0 and usage.age_secs >= 0
        assert name in [u.info.name for u in await lc.list()]

        await lc.reset(name)
        world.engine.forget_branch(sess.branch.id)
        fresh = await lc.get(name)
        assert fresh is not None and not fresh.tables
        sess.branch = fresh
        assert (await sess.run("SELECT COUNT(*) FROM t WHERE v = 0"))[2] == ((b"0",),)

        await lc.delete(name)
        assert await lc.get(name) is None
        res = await direct(
            world.admin,
            "SELECT COUNT(*) FROM information_schema.SCHEMATA"
            f" WHERE SCHEMA_NAME LIKE '\\_bdb\\_{sess.branch.id}%'",
        )
        assert res[2] == ((b"0",),)

    run(upstream, schema, body)


def test_protected_branches_survive_delete_and_gc(schema: str, upstream: Any) -> None:
    async def body(world: World, db: str) -> None:
        lc = world.lifecycle
        name = _name()
        await lc.create(name, ttl_secs=0, protected=True)
        world.branches.append(name)
        with pytest.raises(CatalogError):
            await lc.delete(name)
        assert name not in await lc.gc()
        await lc.protect(name, False)
        assert name in await lc.gc()

    run(upstream, schema, body)


def test_ttl_counts_from_the_last_connection_close(schema: str, upstream: Any) -> None:
    async def body(world: World, db: str) -> None:
        lc = world.lifecycle
        name = _name()
        await lc.create(name, ttl_secs=1)
        world.branches.append(name)
        await lc.connected(name)
        await lc.connected(name)
        info = await lc.get(name)
        assert info is not None and info.expires_at is None and info.active_connections == 2
        await lc.disconnected(name)
        await asyncio.sleep(1.2)
        assert name not in await lc.gc()  # one connection still open
        await lc.disconnected(name)
        info = await lc.get(name)
        assert info is not None and info.expires_at is not None
        assert name not in await lc.gc()  # not expired yet
        await asyncio.sleep(1.2)
        assert name in await lc.gc()
        assert await lc.get(name) is None

    run(upstream, schema, body)


def test_sessions_share_one_branch_object_and_see_other_replicas(
    schema: str, upstream: Any
) -> None:
    async def body(world: World, db: str) -> None:
        from branchdb.cow.engine import BranchEngine

        name = _name()
        world.branches.append(name)
        a = await world.engine.branch(name)
        assert a is await world.engine.branch(name) and a is await world.engine.branch(a.id)
        s1 = await world.session(a, db)
        await s1.run("UPDATE t SET v = -1 WHERE id = 1")
        # a second proxy replica: its own engine and control connection
        control2 = await connect(upstream)
        world.conns.append(control2)
        other = BranchEngine(control2)
        await other.start()
        b = await other.branch(name, create=False)
        s2 = await world.session(b, db)
        s2.engine = other
        assert (await s2.run("SELECT v FROM t WHERE id = 1"))[2] == ((b"-1",),)
        await s2.run("UPDATE t SET v = -2 WHERE id = 2")
        world.engine.refresh_interval = 0
        assert (await s1.run("SELECT v FROM t WHERE id = 2"))[2] == ((b"-2",),)

    run(upstream, schema, body)
