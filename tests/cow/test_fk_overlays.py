"""Foreign keys on a branch: overlays carry the base's keys (to sibling overlays), tables created
on the branch keep theirs, and they are shown, not enforced (overlays hold only changed rows)."""

from __future__ import annotations

from typing import Any

from ddl_twin import Twin, run_twin


def test_overlay_of_a_base_table_keeps_its_foreign_key(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE child SET v = v + 1 WHERE id = 1")
        await t.same_definition("child")
        ts = t.branch.branch.tables[(t.db, "child")]
        res = await t.world.admin.query(
            "SELECT REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME"
            " FROM information_schema.KEY_COLUMN_USAGE"
            f" WHERE TABLE_SCHEMA = '{ts.overlay_db}' AND TABLE_NAME = 'child'"
            " AND REFERENCED_TABLE_NAME IS NOT NULL"
        )
        assert [tuple(v.decode() for v in r) for r in res.rows] == [(ts.overlay_db, "parent")]
        await t.rows("SELECT * FROM child ORDER BY id")

    run_twin(upstream, schema, body)


def test_child_rows_referencing_base_only_parents(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        # parent 3 exists only in the base: the overlay of parent is empty
        await t.both("INSERT INTO child (pid, v) VALUES (3, 30)")
        await t.both("UPDATE child SET pid = 1 WHERE id = 2")
        await t.both("DELETE FROM parent WHERE id = 3", same=False)  # enforced on the copy only
        await t.rows("SELECT id, pid, v FROM child ORDER BY id")

    run_twin(upstream, schema, body)


def test_create_table_on_branch_keeps_foreign_keys(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both(
            "CREATE TABLE orders (id INT PRIMARY KEY, pid INT NOT NULL,"
            " CONSTRAINT fk_orders_parent FOREIGN KEY (pid) REFERENCES parent (id)"
            " ON DELETE CASCADE)"
        )
        await t.same_definition("orders")
        await t.both(
            "CREATE TABLE olines (id INT PRIMARY KEY, oid INT,"
            " FOREIGN KEY (oid) REFERENCES orders (id))"
        )
        await t.same_definition("olines")
        await t.both("INSERT INTO orders VALUES (1, 2)")  # parent 2: a base-only row
        await t.both("INSERT INTO olines VALUES (1, 1)")
        await t.rows("SELECT o.id, p.name FROM orders o JOIN parent p ON p.id = o.pid")
        # an FK to a table the branch does not have fails as on a copy
        await t.both(
            "CREATE TABLE bad (id INT PRIMARY KEY, x INT, FOREIGN KEY (x) REFERENCES nope (id))"
        )

    run_twin(upstream, schema, body)


def test_foreign_key_to_another_schema_points_at_its_overlay(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        other = f"{t.db}_x"
        await t.world.admin.query(f"CREATE DATABASE `{other}`")
        try:
            await t.world.admin.query(
                f"CREATE TABLE `{other}`.kid (id INT PRIMARY KEY, pid INT,"
                f" CONSTRAINT fk_kid FOREIGN KEY (pid) REFERENCES `{t.db}`.parent (id))"
            )
            await t.world.admin.query(f"INSERT INTO `{other}`.kid VALUES (1, 1)")
            got = await t.branch.run(f"INSERT INTO `{other}`.kid VALUES (2, 3)")
            assert got[:2] == ("ok", 1), got
            ts = t.branch.branch.tables[(other, "kid")]
            parent_ov = t.branch.branch.tables.get((t.db, "parent"))
            res = await t.world.admin.query(
                "SELECT REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME"
                " FROM information_schema.KEY_COLUMN_USAGE"
                f" WHERE TABLE_SCHEMA = '{ts.overlay_db}' AND TABLE_NAME = 'kid'"
                " AND REFERENCED_TABLE_NAME IS NOT NULL"
            )
            want_db = ts.overlay_db.replace(f"_{other}", f"_{t.db}")
            assert parent_ov is None  # parent is still clean on the branch
            assert [tuple(v.decode() for v in r) for r in res.rows] == [(want_db, "parent")]
            rows = await t.branch.run(f"SELECT * FROM `{other}`.kid ORDER BY id")
            assert rows[2] == ((b"1", b"1"), (b"2", b"3"))
            base = await t.world.admin.query(f"SELECT COUNT(*) FROM `{other}`.kid")
            assert base.rows[0][0] in (b"1", 1)
        finally:
            await t.world.admin.query(f"DROP DATABASE IF EXISTS `{other}`")

    run_twin(upstream, schema, body)
