"""CREATE … LIKE / … SELECT, indexes, DROP TABLE lists, databases and views on a branch, each
against a real copy (replies, definitions, rows), the base untouched (checked by run_twin)."""

from __future__ import annotations

import time
from typing import Any

from cow_harness import connect
from ddl_twin import Twin, run_twin


def test_create_like_and_create_select(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE other SET s = 'branch' WHERE k = 1")
        await t.both("CREATE TABLE other_like LIKE other")
        await t.same_definition("other_like")
        await t.both("CREATE TABLE child_like LIKE child")  # LIKE drops foreign keys, as MySQL
        await t.same_definition("child_like")
        await t.both("CREATE TABLE snap AS SELECT * FROM other")  # reads the branch's rows
        await t.same_definition("snap")
        await t.rows("SELECT * FROM snap ORDER BY k")
        await t.both("CREATE TABLE agg (n INT) SELECT pid, COUNT(*) AS c FROM child GROUP BY pid")
        await t.rows("SELECT * FROM agg ORDER BY pid")
        await t.both("ALTER TABLE parent ADD COLUMN tag VARCHAR(5) NOT NULL DEFAULT 't'")
        await t.both("CREATE TABLE snap2 AS (SELECT id, tag, name FROM parent WHERE id > 1)")
        await t.same_definition("snap2")
        await t.rows("SELECT * FROM snap2 ORDER BY id")
        await t.both(
            "CREATE TABLE snap3 AS WITH c AS (SELECT pid, v FROM child) SELECT p.name, c.v"
            " FROM c JOIN parent p ON p.id = c.pid"
        )
        await t.rows("SELECT * FROM snap3 ORDER BY v")
        await t.both("CREATE TABLE snap SELECT 1 AS x")  # 1050
        await t.both("CREATE TABLE IF NOT EXISTS snap (x INT)")  # a note
        await t.both("CREATE TABLE bad LIKE missing")  # 1146

    run_twin(upstream, schema, body)


def test_create_and_drop_index(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("CREATE INDEX by_s ON other (s)")
        await t.same_definition("other")
        await t.both("CREATE UNIQUE INDEX uq_name ON parent (name)")
        await t.both("CREATE FULLTEXT INDEX ft ON parent (name)")
        await t.same_definition("parent")
        await t.both("CREATE INDEX by_s ON other (s)")  # 1061 duplicate key name
        await t.both("DROP INDEX nope ON other")  # 1091
        await t.both("DROP INDEX by_s ON other")
        await t.same_definition("other")
        await t.both("CREATE INDEX x ON missing (a)")  # 1146
        await t.rows("SELECT * FROM other ORDER BY k")  # nothing was copied: base rows show
        ts = t.branch.branch.tables[(t.db, "other")]
        res = await t.world.admin.query(f"SELECT COUNT(*) FROM `{ts.overlay_db}`.`other`")
        assert res.rows[0][0] in (b"0", 0)

    run_twin(upstream, schema, body)


def test_drop_table_lists_and_if_exists(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("CREATE TABLE a1 (x INT)")
        await t.both("DROP TABLE IF EXISTS a1, nope1, nope2")  # 2 notes
        await t.both("SHOW TABLES")
        await t.both("DROP TABLE parent")  # child still references it: refused on both
        await t.both("DROP TABLE child, parent")
        await t.both("SHOW TABLES")
        await t.both("DROP TABLE other, nope3")  # 1051
        await t.both("SHOW TABLES")
        await t.both("SELECT * FROM child")

    run_twin(upstream, schema, body)


def test_drop_parent_and_truncate_as_on_copy(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("TRUNCATE TABLE parent")  # 1701: referenced by child
        await t.both("TRUNCATE TABLE child")
        await t.rows("SELECT * FROM child")
        await t.rows("SELECT * FROM parent ORDER BY id")

    run_twin(upstream, schema, body)


def test_views_on_a_branch(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE parent SET name = 'bp1' WHERE id = 1")
        await t.both(
            "CREATE VIEW pc AS SELECT p.name, c.v FROM parent p JOIN child c ON c.pid = p.id"
        )
        await t.rows("SELECT * FROM pc ORDER BY v")
        await t.both("INSERT INTO child (pid, v) VALUES (1, 11)")
        await t.rows("SELECT * FROM pc ORDER BY v")  # the view reads the branch's rows
        await t.both("CREATE VIEW pc AS SELECT 1 AS x")  # 1050
        await t.both("CREATE OR REPLACE VIEW pc AS SELECT name FROM parent")
        await t.rows("SELECT * FROM pc ORDER BY name")
        await t.both("DROP VIEW pc")
        await t.both("SELECT * FROM pc")
        await t.both("DROP VIEW IF EXISTS pc")
        # a view over a table created on the branch, and one over a renamed cow table
        await t.both("CREATE TABLE fresh (id INT PRIMARY KEY)")
        await t.both("INSERT INTO fresh VALUES (1), (2)")
        await t.both("CREATE VIEW fv AS SELECT f.id, p.name FROM fresh f JOIN parent p USING (id)")
        await t.rows("SELECT * FROM fv ORDER BY id")
        await t.both("RENAME TABLE other TO other2")
        await t.both("CREATE VIEW ov AS SELECT * FROM other2 WHERE k > 0")
        await t.both("UPDATE other2 SET s = 'w' WHERE k = 2")
        await t.rows("SELECT * FROM ov ORDER BY k")
        # a base view replaced and dropped on the branch only
        await t.world.admin.query(f"CREATE VIEW `{t.db}`.bv AS SELECT id FROM `{t.db}`.parent")
        await t.copy.query("CREATE VIEW bv AS SELECT id FROM parent")
        await t.both("CREATE OR REPLACE VIEW bv AS SELECT name FROM parent")
        await t.rows("SELECT * FROM bv ORDER BY name")
        await t.both("DROP VIEW bv")
        await t.both("SELECT * FROM bv")
        await t.world.admin.query(f"DROP VIEW `{t.db}`.bv")
        # writes through a branch view are refused by the server; nothing reaches the base
        await t.both("CREATE VIEW pv AS SELECT id, name FROM parent")
        got = await t.branch.run("UPDATE pv SET name = 'x' WHERE id = 2")
        assert got[0] == "err", got
        await t.rows("SELECT * FROM parent ORDER BY id")

    run_twin(upstream, schema, body)


def test_routines_are_refused(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        for sql in (
            "CREATE TRIGGER tr BEFORE INSERT ON other FOR EACH ROW SET NEW.s = 'x'",
            "CREATE PROCEDURE p1() SELECT 1",
            "CREATE FUNCTION f1() RETURNS INT RETURN 1",
            "CREATE EVENT e1 ON SCHEDULE EVERY 1 DAY DO SELECT 1",
        ):
            got = await t.branch.run(sql)
            assert got == ("err", 1235), (sql, got)
        res = await t.world.admin.query(
            f"SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{t.db}'"
        )
        assert res.rows[0][0] in (b"0", 0)

    run_twin(upstream, schema, body)


def test_create_use_and_drop_database(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        new = f"{t.db}_n"
        res = await t.world.admin.query(f"SHOW DATABASES LIKE '{new}'")
        assert not res.rows
        assert (await t.branch.run(f"CREATE DATABASE `{new}`"))[:2] == ("ok", 1)
        assert await t.branch.run(f"CREATE DATABASE `{new}`") == ("err", 1007)
        assert (await t.branch.run(f"CREATE DATABASE IF NOT EXISTS `{new}`"))[:4] == (
            "ok",
            0,
            0,
            1,
        )
        assert t.branch.branch.databases == {new: "created"}
        assert (await t.branch.run(f"CREATE TABLE `{new}`.n1 (id INT PRIMARY KEY)"))[0] == "ok"
        assert (await t.branch.run(f"USE `{new}`"))[0] == "ok"
        t.branch.db = new  # the proxy tracks the session's database from USE
        assert (await t.branch.run("INSERT INTO n1 VALUES (1), (2)"))[:2] == ("ok", 2)
        assert (await t.branch.run("SELECT * FROM n1 ORDER BY id"))[2] == ((b"1",), (b"2",))
        assert (await t.branch.run("CREATE TABLE n2 (x INT)"))[0] == "ok"
        assert (await t.branch.run(f"SELECT COUNT(*) FROM `{t.db}`.parent"))[2] == ((b"3",),)
        res = await t.world.admin.query(f"SHOW DATABASES LIKE '{new}'")
        assert not res.rows  # the server has no such database: only the branch does
        assert (await t.branch.run(f"DROP DATABASE `{new}`"))[:2] == ("ok", 2)
        assert await t.branch.run(f"DROP DATABASE `{new}`") == ("err", 1008)
        assert t.branch.branch.databases == {}
        t.branch.db = t.db
        await t.branch.run(f"USE `{t.db}`")
        # dropping a base database hides it and its tables on the branch only
        assert (await t.branch.run(f"DROP DATABASE `{t.db}`"))[:2] == ("ok", 3)
        assert await t.branch.run(f"SELECT * FROM `{t.db}`.parent") == ("err", 1146)
        assert await t.branch.run(f"USE `{t.db}`") == ("err", 1049)
        assert await t.branch.run(f"DROP DATABASE `{t.db}`") == ("err", 1008)
        assert (await t.branch.run(f"CREATE DATABASE `{t.db}`"))[0] == "ok"
        assert await t.branch.run(f"SELECT * FROM `{t.db}`.parent") == ("err", 1146)
        assert (await t.branch.run(f"CREATE TABLE `{t.db}`.parent (z INT)"))[0] == "ok"
        assert (await t.branch.run(f"SELECT * FROM `{t.db}`.parent"))[0] == "rows"

    run_twin(upstream, schema, body)


def test_create_select_takes_no_lock_on_base_rows(schema: str, upstream: Any) -> None:
    """A teammate holds row locks on base rows; CREATE TABLE … SELECT on the branch reads them
    without waiting (consistent reads: it would wait, then fail with 1205, under shared locks)."""

    async def body(t: Twin) -> None:
        mate = await connect(upstream, t.db)
        t.world.conns.append(mate)
        await mate.query("BEGIN")
        await mate.query("UPDATE parent SET name = 'mate' WHERE id IN (1, 2, 3)")
        await t.branch.client.query("SET SESSION innodb_lock_wait_timeout = 1")
        await t.world.control.query("SET SESSION innodb_lock_wait_timeout = 1")
        started = time.monotonic()
        got = await t.branch.run("CREATE TABLE names SELECT id, name FROM parent")
        assert got[:2] == ("ok", 3), got
        assert time.monotonic() - started < 1.0
        assert (await t.branch.run("SELECT name FROM names ORDER BY id"))[2] == (
            (b"p1",),
            (b"p2",),
            (b"p3",),
        )
        await mate.query("ROLLBACK")

    run_twin(upstream, schema, body)


def test_temporary_tables(schema: str, upstream: Any) -> None:
    async def body(t: Twin) -> None:
        await t.both("UPDATE other SET s = 'branch' WHERE k = 1")
        await t.both("CREATE TEMPORARY TABLE scratch (id INT PRIMARY KEY, note VARCHAR(10))")
        await t.both("INSERT INTO scratch VALUES (1, 'a'), (2, 'b')")
        await t.both("UPDATE scratch SET note = 'c' WHERE id = 2")
        await t.both("INSERT INTO scratch SELECT id + 10, note FROM scratch")
        await t.rows("SELECT * FROM scratch ORDER BY id")
        await t.rows("SELECT s.id, o.s FROM scratch s JOIN other o ON o.k = s.id ORDER BY s.id")
        await t.both("CREATE TEMPORARY TABLE like_other LIKE other")
        await t.both("INSERT INTO like_other VALUES (5, 'e')")
        await t.rows("SELECT * FROM like_other")
        await t.both("DROP TEMPORARY TABLE like_other")
        await t.both("SELECT * FROM like_other")
        await t.both("DELETE FROM scratch WHERE id > 10")
        await t.both("DROP TABLE scratch")
        await t.both("SELECT * FROM scratch")
        # refused: mixing with base tables (base locks), shadowing a branch table
        await t.both("CREATE TEMPORARY TABLE s2 (id INT)")
        got = await t.branch.run("INSERT INTO s2 SELECT k FROM other")
        assert got == ("err", 1235), got
        got = await t.branch.run("CREATE TEMPORARY TABLE other (x INT)")
        assert got == ("err", 1235), got
        got = await t.branch.run("CREATE TEMPORARY TABLE s3 SELECT * FROM parent")
        assert got == ("err", 1235), got
        # another connection of the branch does not see this one's temporary tables
        second = await t.world.session(t.branch.branch, t.db)
        assert await second.run("SELECT * FROM s2") == ("err", 1146)
        assert await second.run("INSERT INTO s2 VALUES (1)") == ("err", 1146)
        res = await t.world.admin.query(
            f"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{t.db}'"
        )
        assert res.rows[0][0] in (b"3", 3)

    run_twin(upstream, schema, body)
