"""Branch modes (all, schema, empty, filtered) and the DDL subset, against the real server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from cow_harness import BranchSession, World, direct

BASE = (
    "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE,"
    " qty INT NOT NULL DEFAULT 0)",
    "INSERT INTO items (code, qty) SELECT CONCAT('c', seq), seq FROM seq_1_to_10",
    "CREATE TABLE nopk (a INT, b VARCHAR(5))",
    "INSERT INTO nopk VALUES (1, 'x'), (2, 'y')",
)

Body = Callable[[World, BranchSession, str], Awaitable[None]]


def run(upstream: Any, db: str, body: Body, mode: str = "all", **kw: Any) -> None:
    async def main() -> None:
        world = await World.open(upstream)
        try:
            await world.admin.query(f"USE `{db}`")
            for sql in BASE:
                await world.admin.query(sql)
            before = await direct(world.admin, "CHECKSUM TABLE items, nopk")
            sess = await world.branch(db, mode, **kw)
            await body(world, sess, db)
            assert await direct(world.admin, "CHECKSUM TABLE items, nopk") == before
        finally:
            await world.close()

    asyncio.run(main())


def rows(reply: Any) -> list[tuple[Any, ...]]:
    assert reply[0] == "rows", reply
    return [tuple(v.decode() if isinstance(v, bytes) else v for v in r) for r in reply[2]]


def test_schema_mode_tables_exist_but_are_empty(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        assert rows(await s.run("SELECT COUNT(*) FROM items")) == [("0",)]
        # ids continue from the base's counter, so rows made on the branch never reuse base ids
        ai = rows(
            await direct(
                world.admin,
                "SELECT AUTO_INCREMENT FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items'",
            )
        )[0][0]
        assert (await s.run("INSERT INTO items (code) VALUES ('new')"))[:3] == ("ok", 1, int(ai))
        assert rows(await s.run("SELECT id, code FROM items")) == [(ai, "new")]
        assert rows(await s.run("SELECT COUNT(*) FROM nopk")) == [("0",)]

    run(upstream, schema, body, "schema")


def test_empty_mode_is_a_fresh_database(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        assert await s.run("SELECT * FROM items") == ("err", 1146)
        assert await s.run("UPDATE items SET qty = 1") == ("err", 1146)
        ok = await s.run("CREATE TABLE items (id INT PRIMARY KEY, v INT)")
        assert ok[0] == "ok", ok
        assert (await s.run("INSERT INTO items VALUES (1, 2)"))[:2] == ("ok", 1)
        assert rows(await s.run("SELECT * FROM items")) == [("1", "2")]
        assert rows(await direct(world.admin, "SELECT COUNT(*) FROM items")) == [("10",)]

    run(upstream, schema, body, "empty")


def test_filtered_mode_shows_only_matching_base_rows(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        assert rows(await s.run("SELECT COUNT(*) FROM items")) == [("3",)]
        assert (await s.run("UPDATE items SET qty = qty + 100"))[:2] == ("ok", 3)
        assert rows(await s.run("SELECT id, qty FROM items ORDER BY id")) == [
            ("1", "101"),
            ("2", "102"),
            ("3", "103"),
        ]
        # a hidden base row does not exist on the branch: its key is free
        assert (await s.run("INSERT INTO items (id, code) VALUES (7, 'c7')"))[:2] == ("ok", 1)

    run(upstream, schema, body, "filtered", filters={"items": "id <= 3"})


def test_ddl_subset(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        assert (await s.run("CREATE TABLE fresh (id INT PRIMARY KEY, v TEXT)"))[0] == "ok"
        assert await s.run("CREATE TABLE fresh (id INT)") == ("err", 1050)
        assert (await s.run("CREATE TABLE IF NOT EXISTS items (x INT)"))[0] == "ok"
        assert await s.run("CREATE TABLE items (x INT)") == ("err", 1050)
        assert (await s.run("INSERT INTO fresh VALUES (1, 'a')"))[:2] == ("ok", 1)
        child = (
            "CREATE TABLE child (id INT PRIMARY KEY, item_id INT,"
            " CONSTRAINT fk_item FOREIGN KEY (item_id) REFERENCES items (id), KEY (item_id))"
        )
        assert (await s.run(child))[0] == "ok"
        assert (await s.run("INSERT INTO child VALUES (1, 999)"))[:2] == ("ok", 1)
        assert await direct(world.admin, "SELECT * FROM fresh") == ("err", 1146)

        assert (await s.run("ALTER TABLE items ADD COLUMN color VARCHAR(10) DEFAULT 'red'"))[
            0
        ] == "ok"
        assert rows(await s.run("SELECT id, color FROM items WHERE id <= 2 ORDER BY id")) == [
            ("1", "red"),
            ("2", "red"),
        ]
        assert (await s.run("UPDATE items SET color = 'blue' WHERE id = 2"))[:2] == ("ok", 1)
        assert rows(await s.run("SELECT id, color FROM items WHERE id <= 2 ORDER BY id")) == [
            ("1", "red"),
            ("2", "blue"),
        ]
        assert rows(await s.run("SELECT COUNT(*) FROM items")) == [("10",)]

        # child references items: TRUNCATE refuses as on a real copy (1701) until it is gone
        assert await s.run("TRUNCATE TABLE items") == ("err", 1701)
        assert (await s.run("DROP TABLE child"))[0] == "ok"
        assert (await s.run("TRUNCATE TABLE items"))[0] == "ok"
        assert rows(await s.run("SELECT COUNT(*) FROM items")) == [("0",)]
        assert (await s.run("INSERT INTO items (code) VALUES ('again')"))[:3] == ("ok", 1, 1)

        assert (await s.run("DROP TABLE nopk"))[0] == "ok"
        assert await s.run("SELECT * FROM nopk") == ("err", 1146)
        assert await s.run("DROP TABLE nopk") == ("err", 1051)
        assert (await s.run("DROP TABLE IF EXISTS nopk"))[0] == "ok"
        assert (await s.run("DROP TABLE fresh"))[0] == "ok"
        assert await s.run("SELECT * FROM fresh") == ("err", 1146)

        for sql in (
            "CREATE TRIGGER tr BEFORE INSERT ON items FOR EACH ROW SET NEW.qty = 1",
            "LOAD DATA INFILE 'x' INTO TABLE items",
        ):
            assert await s.run(sql) == ("err", 1235), sql

    run(upstream, schema, body)


def test_no_primary_key_table_is_materialized(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        assert (await s.run("UPDATE nopk SET b = 'z' WHERE a = 1"))[:2] == ("ok", 1)
        assert rows(await s.run("SELECT * FROM nopk ORDER BY a")) == [("1", "z"), ("2", "y")]
        assert (await s.run("DELETE FROM nopk WHERE a = 2"))[:2] == ("ok", 1)
        assert rows(await s.run("SELECT * FROM nopk")) == [("1", "z")]

    run(upstream, schema, body)


def test_rollback_and_savepoint_undo_branch_writes(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        await s.run("BEGIN")
        await s.run("SELECT * FROM items")  # read view opened before the table is dirty
        assert (await s.run("UPDATE items SET qty = 0 WHERE id = 1"))[:2] == ("ok", 1)
        await s.run("SAVEPOINT a")
        assert (await s.run("DELETE FROM items WHERE id = 2"))[:2] == ("ok", 1)
        await s.run("ROLLBACK TO SAVEPOINT a")
        assert rows(await s.run("SELECT id, qty FROM items WHERE id <= 2 ORDER BY id")) == [
            ("1", "0"),
            ("2", "2"),
        ]
        await s.run("ROLLBACK")
        assert rows(await s.run("SELECT id, qty FROM items WHERE id <= 2 ORDER BY id")) == [
            ("1", "1"),
            ("2", "2"),
        ]

    run(upstream, schema, body)


def test_clean_statements_pass_through(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        # the branch's first statement goes to the engine once (it prepares the overlays)
        assert world.engine.may_touch_dirty(s.branch, "SELECT * FROM items")
        await s.run("SELECT 1")
        assert not world.engine.may_touch_dirty(s.branch, "SELECT * FROM items")
        await s.run("UPDATE items SET qty = 5 WHERE id = 1")
        assert world.engine.may_touch_dirty(s.branch, "select * from ITEMS")
        assert not world.engine.may_touch_dirty(s.branch, "SELECT * FROM nopk")
        n = len(s.relayed)
        await s.run("SELECT * FROM nopk")
        assert len(s.relayed) == n
        await s.run("SELECT /* c */ * FROM items WHERE id = 1")
        assert s.relayed[-1].startswith("(SELECT /* c */")  # planned: overlay half first

    run(upstream, schema, body)


def test_teammate_inserts_stay_visible(schema: str, upstream: Any) -> None:
    """Ids the branch generates start at the base's counter at the time of the insert."""

    async def body(world: World, s: BranchSession, db: str) -> None:
        assert (await s.run("UPDATE items SET qty = 0 WHERE id = 1"))[:2] == ("ok", 1)
        await world.admin.query("INSERT INTO items (code) VALUES ('mate1'), ('mate2')")
        base_max = int(rows(await direct(world.admin, "SELECT MAX(id) FROM items"))[0][0])
        reply = await s.run("INSERT INTO items (code) VALUES ('branch')")
        assert reply[0] == "ok" and reply[2] > base_max, reply
        codes = [r[0] for r in rows(await s.run("SELECT code FROM items ORDER BY id"))]
        assert codes[-3:] == ["mate1", "mate2", "branch"], codes
        await world.admin.query("DELETE FROM items WHERE code LIKE 'mate%'")

    run(upstream, schema, body)


def test_qualified_names_without_a_current_database(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        s.db = None
        q = f"`{db}`"
        assert await s.run("UPDATE items SET qty = 1") == ("err", 1046)
        assert (await s.run(f"UPDATE {q}.items SET qty = 50 WHERE id = 1"))[:2] == ("ok", 1)
        got = await s.run(f"SELECT {q}.items.qty FROM {q}.items WHERE {q}.items.id = 1")
        assert rows(got) == [("50",)]
        assert (
            await s.run(f"INSERT INTO {q}.nopk (a, b) SELECT id, code FROM {q}.items WHERE id < 3")
        )[:2] == ("ok", 2)
        assert rows(await s.run(f"SELECT COUNT(*) FROM {q}.nopk")) == [("4",)]

    run(upstream, schema, body)


def test_prepare_before_transactions_avoids_1412(schema: str, upstream: Any) -> None:
    """The proxy passes clean reads through without the engine. If a transaction's read view
    opens before the overlay exists, InnoDB refuses the overlay (1412); `prepare` at connect /
    USE time creates every overlay of the database ahead of that."""

    async def body(world: World, s: BranchSession, db: str) -> None:
        await world.engine.prepare(s.branch, db)
        await s.client.query("SET autocommit = 0")
        s.autocommit = False
        await s.client.query("SELECT * FROM items")  # passthrough: opens the read view
        assert (await s.run("INSERT INTO items (code) VALUES ('tx')"))[:2] == ("ok", 1)
        assert (await s.run("UPDATE nopk SET b = 'q' WHERE a = 2"))[:2] == ("ok", 1)
        assert rows(await s.run("SELECT COUNT(*) FROM items WHERE code = 'tx'")) == [("1",)]
        await s.client.query("ROLLBACK")
        assert rows(await s.run("SELECT COUNT(*) FROM items WHERE code = 'tx'")) == [("0",)]
        assert rows(await s.run("SELECT b FROM nopk ORDER BY a")) == [("x",), ("y",)]

    run(upstream, schema, body)


def test_user_with_schema_grants_only(schema: str, upstream: Any, make_user: Any) -> None:
    """The client's own account works on the overlay with its base-schema privileges."""
    user = make_user()

    async def body(world: World, s: BranchSession, db: str) -> None:
        from cow_harness import connect

        from branchdb.cow.executor import AioMysqlExecutor

        raw = await AioMysqlExecutor.connect(
            upstream.host, upstream.port, user.name, user.password, db
        )
        world.conns.append(raw)
        s.client = raw
        assert (await s.run("UPDATE items SET qty = 3 WHERE id = 1"))[:2] == ("ok", 1)
        assert (await s.run("INSERT INTO items (code) VALUES ('mine')"))[:2] == ("ok", 1)
        assert rows(await s.run("SELECT qty FROM items WHERE id = 1")) == [("3",)]
        assert (await s.run("UPDATE nopk SET b = 'n'"))[:2] == ("ok", 2)
        assert (await s.run("CREATE TABLE mine (id INT PRIMARY KEY)"))[0] == "ok"
        assert (await s.run("INSERT INTO mine VALUES (1)"))[:2] == ("ok", 1)
        assert (await s.run("UPDATE items i JOIN nopk n ON n.a = i.id SET i.qty = 9"))[0] == "ok"
        del connect

    run(upstream, schema, body)
