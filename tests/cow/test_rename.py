"""RENAME TABLE on a branch against a real copy: clean, cow, materialized and created tables, swaps,
cross-database moves; renamed cow tables keep showing their base rows; errors as MySQL."""

from __future__ import annotations

from typing import Any

from ddl_twin import Twin, run_twin


def test_rename_clean_and_cow_tables(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE other SET s = 'z' WHERE k = 2")  # other becomes cow
        await t.both("RENAME TABLE other TO other2, parent TO parent2")
        await t.rows("SELECT * FROM other2 ORDER BY k")  # base row 1 + changed row 2
        await t.rows("SELECT * FROM parent2 ORDER BY id")
        await t.both("SELECT * FROM other")  # gone: 1146 on both
        await t.both("SELECT * FROM parent")
        await t.both("INSERT INTO other2 VALUES (3, 'c')")
        await t.both("DELETE FROM other2 WHERE k = 1")
        await t.rows("SELECT * FROM other2 ORDER BY k")
        await t.same_definition("other2")
        ts = t.branch.branch.tables[(t.db, "other2")]
        assert ts.base_key == (t.db, "other") and ts.state == "cow"
        # the renamed table keeps its base mapping through later schema changes
        await t.both("ALTER TABLE other2 ADD COLUMN z INT NOT NULL DEFAULT 5")
        await t.rows("SELECT * FROM other2 ORDER BY k")
        await t.same_definition("other2")
        # a new table may take the old name
        await t.both("CREATE TABLE other (x INT PRIMARY KEY)")
        await t.rows("SELECT * FROM other")

    run_twin(upstream, schema, body)


def test_swap_three_way(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE parent SET name = 'changed' WHERE id = 1")
        await t.both("RENAME TABLE parent TO tmp, other TO parent, tmp TO other")
        await t.rows("SELECT * FROM parent ORDER BY 1")
        await t.rows("SELECT * FROM other ORDER BY 1")
        await t.both("SELECT * FROM tmp")
        await t.both("UPDATE other SET name = 'again' WHERE id = 2")
        await t.rows("SELECT * FROM other ORDER BY 1")
        # and back again, in two statements
        await t.both("RENAME TABLE parent TO tmp2")
        await t.both("RENAME TABLE other TO parent, tmp2 TO other")
        await t.rows("SELECT * FROM parent ORDER BY 1")
        await t.rows("SELECT * FROM other ORDER BY 1")

    run_twin(upstream, schema, body)


def test_rename_created_table_and_errors(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("CREATE TABLE fresh (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        await t.both("INSERT INTO fresh (v) VALUES (1), (2)")
        await t.both("RENAME TABLE fresh TO fresh2")
        await t.rows("SELECT * FROM fresh2 ORDER BY id")
        await t.both("INSERT INTO fresh2 (v) VALUES (3)")
        await t.rows("SELECT * FROM fresh2 ORDER BY id")
        await t.both("RENAME TABLE nope TO x")  # 1146 source missing
        await t.both("RENAME TABLE fresh2 TO other")  # 1050 target exists
        await t.both("RENAME TABLE fresh2 TO fresh3, nope TO y")  # the first pair stays undone?
        await t.rows("SHOW TABLES")

    run_twin(upstream, schema, body)


def test_rename_across_databases(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        other = f"{t.db}_o"
        other_copy = f"{t.copy_db}_o"
        await t.world.admin.query(f"CREATE DATABASE `{other}`")
        await t.world.admin.query(f"CREATE DATABASE `{other_copy}`")
        try:
            await t.both("UPDATE other SET s = 'moved' WHERE k = 1")
            got = await t.branch.run(f"RENAME TABLE other TO `{other}`.other")
            want = await t.copy.query(f"RENAME TABLE other TO `{other_copy}`.other")
            assert got[0] == "ok", got
            assert want.affected_rows == 0
            got_rows = await t.branch.run(f"SELECT * FROM `{other}`.other ORDER BY k")
            want_res = await t.copy.query(f"SELECT * FROM `{other_copy}`.other ORDER BY k")
            assert got_rows[0] == "rows" and list(got_rows[2]) == list(want_res.rows)
            assert await t.branch.run("SELECT * FROM other") == ("err", 1146)
            # the base database gained nothing
            res = await t.world.admin.query(
                f"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{other}'"
            )
            assert res.rows[0][0] in (b"0", 0, "0")
        finally:
            await t.world.admin.query(f"DROP DATABASE IF EXISTS `{other}`")
            await t.world.admin.query(f"DROP DATABASE IF EXISTS `{other_copy}`")

    run_twin(upstream, schema, body)


def test_rename_materialized_table(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE parent SET name = 'm' WHERE id = 2")  # small: copied whole
        assert t.branch.branch.tables[(t.db, "parent")].state == "materialized"
        await t.both("RENAME TABLE parent TO parent_m, child TO child_m")
        await t.rows("SELECT * FROM parent_m ORDER BY id")
        await t.both("INSERT INTO parent_m (name) VALUES ('new')")
        await t.rows("SELECT * FROM parent_m ORDER BY id")
        await t.same_definition("child_m")
        await t.rows("SELECT * FROM child_m ORDER BY id")

    run_twin(upstream, schema, body, materialize=True)


def test_alter_table_rename_to(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE other SET s = 'y' WHERE k = 1")
        await t.both("ALTER TABLE other RENAME TO other3")
        await t.rows("SELECT * FROM other3 ORDER BY k")
        await t.both("ALTER TABLE other3 ADD COLUMN q INT NOT NULL DEFAULT 7, RENAME TO other4")
        await t.rows("SELECT * FROM other4 ORDER BY k")
        await t.same_definition("other4")
        await t.both("SELECT * FROM other3")
        await t.both("ALTER TABLE other4 RENAME TO parent")  # 1050

    run_twin(upstream, schema, body)
