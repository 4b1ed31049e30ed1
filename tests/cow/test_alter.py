"""ALTER TABLE on a branch against a real copy: each case runs the same ALTERs and later writes and
reads on both, then compares replies, SHOW CREATE TABLE and rows, and checks the base is unchanged
(see alter_diff)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alter_diff import run_case

SELECT_T = "SELECT * FROM t ORDER BY id"
CASES: dict[str, list[str]] = {
    "add_default": [
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT 'x'",
        "UPDATE t SET e = 'y' WHERE id = 2",
        "INSERT INTO t (a) VALUES ('z1')",
        "SELECT id, e FROM t WHERE id BETWEEN 1 AND 5 ORDER BY id",
    ],
    "add_implicit_defaults": [
        "ALTER TABLE t ADD f INT NOT NULL, ADD g VARCHAR(5) NULL, ADD h TIME NOT NULL AFTER a",
        "UPDATE t SET f = f + 1 WHERE id < 6",
    ],
    "add_zero_date": [
        "ALTER TABLE t ADD h DATE NOT NULL AFTER a",
        "UPDATE t SET b = 1 WHERE id < 6",
    ],
    "drop_column": [
        "ALTER TABLE t DROP COLUMN d",
        "UPDATE t SET b = b + 1 WHERE id < 5",
        "INSERT INTO t (a, b) VALUES ('dd', 3)",
    ],
    "rename_column": [
        "ALTER TABLE t RENAME COLUMN b TO bb",
        "UPDATE t SET bb = 5 WHERE id = 7",
        "DELETE FROM t WHERE bb = 6",
        "SELECT COUNT(*), SUM(bb) FROM t",
    ],
    "change_same_type": [
        "ALTER TABLE t CHANGE a aa VARCHAR(20) NOT NULL",
        "INSERT INTO t (aa) VALUES ('a7')",
        "INSERT INTO t (aa) VALUES ('a7x')",
        "UPDATE t SET aa = 'a9' WHERE id = 8",
        "UPDATE t SET aa = CONCAT(aa, '!') WHERE id = 8",
    ],
    "drop_then_add_same_name": [
        "ALTER TABLE t DROP COLUMN b",
        "ALTER TABLE t ADD COLUMN b INT DEFAULT 42",
        "UPDATE t SET c = 1 WHERE id = 4",
    ],
    "rename_then_add_old_name": [
        "ALTER TABLE t RENAME COLUMN b TO bb",
        "ALTER TABLE t ADD COLUMN b VARCHAR(3) DEFAULT 'new'",
        "UPDATE t SET b = 'upd' WHERE id = 12",
    ],
    "rename_swap": [
        "ALTER TABLE t RENAME COLUMN b TO b2, RENAME COLUMN a TO b, RENAME COLUMN b2 TO a",
        "ALTER TABLE t CHANGE c c2 DECIMAL(8,2) NOT NULL DEFAULT 0, CHANGE d c DATE NULL",
        "UPDATE t SET a = 1 WHERE id = 20",
    ],
    "modify_attributes": [
        "ALTER TABLE t MODIFY b INT NULL DEFAULT 3 COMMENT 'bee' FIRST",
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT 9",
        "INSERT INTO t (a) VALUES ('q')",
        "ALTER TABLE t ALTER COLUMN c DROP DEFAULT",
        "INSERT INTO t (a, c) VALUES ('q2', 1)",
    ],
    "default_change_after_add": [
        "ALTER TABLE t ADD e INT DEFAULT 1",
        "ALTER TABLE t ALTER COLUMN e SET DEFAULT 2",
        "INSERT INTO t (a) VALUES ('e2')",
        "UPDATE t SET c = 3 WHERE id = 30",
    ],
    "modify_widening": [
        "ALTER TABLE t MODIFY b BIGINT NULL, MODIFY a VARCHAR(40) NOT NULL",
        "UPDATE t SET b = 5000000000 WHERE id = 9",
        "INSERT INTO t (a) VALUES ('a1')",
    ],
    "modify_type_change": [
        "ALTER TABLE t MODIFY c INT NOT NULL",
        "UPDATE t SET c = c + 1 WHERE id < 4",
        "INSERT INTO t (a, c) VALUES ('tc', 7)",
    ],
    "not_null_with_nulls": [
        "ALTER TABLE t MODIFY b INT NOT NULL",
        "SET SESSION sql_mode = ''",
        "ALTER TABLE t MODIFY b INT NOT NULL",
        "INSERT INTO t (a) VALUES ('nn')",
    ],
    "not_null_without_nulls": [
        "ALTER TABLE t MODIFY c DECIMAL(8,2) NULL",
        "ALTER TABLE t MODIFY c DECIMAL(8,2) NOT NULL",
        "INSERT INTO t (a, c) VALUES ('nd', 2)",
    ],
    "indexes": [
        "ALTER TABLE t ADD INDEX ix (b, c), DROP INDEX kb, ADD FULLTEXT INDEX ft (a)",
        "ALTER TABLE t RENAME INDEX ix TO ix2",
        "ALTER TABLE t ADD KEY (d)",
        "SELECT id FROM t WHERE b = 3 ORDER BY id",
    ],
    "unique_ok_and_duplicate": [
        "ALTER TABLE t ADD UNIQUE KEY uc (c, id)",
        "ALTER TABLE t ADD UNIQUE KEY ub (b)",
        "ALTER TABLE t ADD UNIQUE KEY ud (d)",
        "INSERT INTO t (a, d) VALUES ('ud', '2024-01-05')",
    ],
    "unique_prefix": [
        "ALTER TABLE t ADD UNIQUE KEY up (a(2))",
        "ALTER TABLE t ADD UNIQUE KEY up (a(10))",
        "INSERT INTO t (a) VALUES ('a1')",
    ],
    "created_table": [
        "CREATE TABLE fresh (id INT PRIMARY KEY, v INT)",
        "INSERT INTO fresh VALUES (1, 2), (2, 3)",
        "ALTER TABLE fresh RENAME COLUMN v TO w, ADD x INT DEFAULT 9, MODIFY w BIGINT",
        "SELECT * FROM fresh ORDER BY id",
    ],
    "dropped_table": [
        "DROP TABLE loose",
        "ALTER TABLE loose ADD z INT",
        "ALTER TABLE IF EXISTS loose ADD z INT",
    ],
    "rename_to": [
        "ALTER TABLE n RENAME TO n2, ADD COLUMN z INT DEFAULT 1",
        "SELECT * FROM n2 ORDER BY k",
        "UPDATE n2 SET z = 2 WHERE k = 'k3'",
        "SELECT * FROM n2 ORDER BY k",
        "ALTER TABLE n2 RENAME COLUMN v TO vv",
        "SELECT * FROM n2 ORDER BY k",
        "SELECT * FROM n",
    ],
    "primary_key_change": [
        "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, a)",
        "INSERT INTO t (id, a) VALUES (1, 'other')",
        "UPDATE t SET b = 1 WHERE id = 1",
    ],
    "auto_increment_column": [
        "ALTER TABLE n ADD COLUMN s INT NOT NULL AUTO_INCREMENT UNIQUE",
        "INSERT INTO n (k, v) VALUES ('zz', 1)",
        "SELECT * FROM n ORDER BY s",
    ],
    "foreign_keys": [
        "ALTER TABLE t ADD CONSTRAINT fk_b FOREIGN KEY (b) REFERENCES p (id)",
        "ALTER TABLE t DROP FOREIGN KEY fk_b",
        "ALTER TABLE t ADD CONSTRAINT fk_c FOREIGN KEY (b) REFERENCES p (id), ADD e INT",
        "ALTER TABLE t DROP CONSTRAINT fk_c",
    ],
    "foreign_key_orphans": [
        "UPDATE t SET b = 500 WHERE id = 4",
        "ALTER TABLE t ADD CONSTRAINT fk_o FOREIGN KEY (b) REFERENCES p (id)",
        "UPDATE t SET b = 4 WHERE id = 4",
        "DELETE FROM p WHERE id = 3",
        "ALTER TABLE t ADD CONSTRAINT fk_o FOREIGN KEY (b) REFERENCES p (id)",
        "SET SESSION foreign_key_checks = 0",
        "ALTER TABLE t ADD CONSTRAINT fk_o FOREIGN KEY (b) REFERENCES p (id)",
        "SET SESSION foreign_key_checks = 1",
    ],
    "alter_forms": [
        "ALTER TABLE IF EXISTS nope ADD COLUMN e INT",
        "ALTER TABLE IF EXISTS t ADD COLUMN f INT DEFAULT 4",
        "ALTER TABLE `t` ADD COLUMN `g h` INT DEFAULT 5",
    ],
    "table_options": [
        "ALTER TABLE t ENGINE=InnoDB, COMMENT='hello', AUTO_INCREMENT=1000",
        "INSERT INTO t (a) VALUES ('ai')",
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 5, ALGORITHM=INPLACE, LOCK=NONE",
        "ALTER TABLE t ADD COLUMN e2 INT, ALGORITHM=INSTANT",
        "ALTER TABLE t DROP COLUMN e2, ALGORITHM=INSTANT",
        "ALTER TABLE t ALGORITHM=COPY, MODIFY b INT NULL COMMENT 'x'",
        "ALTER TABLE t ORDER BY a",
        "ALTER TABLE t FORCE",
        "ALTER TABLE t DEFAULT CHARSET=utf8mb4",
    ],
    "errors": [
        "ALTER TABLE t DROP COLUMN nope",
        "ALTER TABLE t ADD COLUMN a INT",
        "ALTER TABLE t RENAME COLUMN nope TO x",
        "ALTER TABLE t DROP INDEX nope",
        "ALTER TABLE t ADD INDEX kb (c)",
        "ALTER TABLE t ADD COLUMN e INT, DROP COLUMN nope",
        "ALTER TABLE t MODIFY a VARCHAR(2) NOT NULL",
        "ALTER TABLE nope ADD COLUMN e INT",
    ],
    "failing_alter_commits": [
        "BEGIN",
        "INSERT INTO t (a) VALUES ('tx1')",
        "ALTER TABLE nope ADD COLUMN e INT",
        "ROLLBACK",
        "BEGIN",
        "INSERT INTO t (a) VALUES ('tx2')",
        "ALTER TABLE t DROP COLUMN nope",
        "ROLLBACK",
        "SELECT a FROM t WHERE a LIKE 'tx%' ORDER BY a",
    ],
    "if_exists": [
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS b INT DEFAULT 7",
        "ALTER TABLE t DROP COLUMN IF EXISTS nope, ADD COLUMN IF NOT EXISTS e INT DEFAULT 7",
    ],
    "several_actions": [
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 1 AFTER a, DROP COLUMN d,"
        " RENAME COLUMN b TO bb, MODIFY c DECIMAL(8,2) NULL",
        "UPDATE t SET e = 2, bb = 3 WHERE id IN (1, 50)",
        "INSERT INTO t (a, bb) VALUES ('sa', 4)",
    ],
    "no_primary_key_table": [
        "ALTER TABLE loose RENAME COLUMN y TO yy, ADD z INT DEFAULT 4",
        "UPDATE loose SET x = 9 WHERE x = 1",
        "ALTER TABLE loose MODIFY x BIGINT NULL",
        "INSERT INTO loose VALUES (1, 'new', 2)",
    ],
    "untouched_table": [
        "ALTER TABLE p ADD COLUMN label VARCHAR(8) NOT NULL DEFAULT 'p'",
        "UPDATE p SET label = 'q' WHERE id = 3",
    ],
}


#: Cases whose table `t` (or `n`) ends materialized; every other case maps base rows, no copy.
MATERIALIZED = {
    "modify_type_change": "t",
    "not_null_with_nulls": "t",
    "primary_key_change": "t",
    "auto_increment_column": "n",
    "unique_ok_and_duplicate": "t",
    "unique_prefix": "t",
    "add_zero_date": "t",
    "errors": "t",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_alter_matches_real_copy(schema: str, upstream: Any, case: str) -> None:
    problems, states = asyncio.run(run_case(upstream, schema, CASES[case]))
    assert problems == [], "\n".join(problems)
    table = MATERIALIZED.get(case)
    for name, state in states.items():
        if name == table:
            assert state == "materialized", (name, state)
        else:
            assert state != "materialized", (name, state)  # mapped: no copy


async def _types(upstream: Any, db: str) -> tuple[list[Any], list[Any]]:
    from cow_harness import World, connect

    world = await World.open(upstream)
    copy = db + "_copy"
    try:
        a = world.admin
        for d in (db, copy):
            await a.query(f"CREATE DATABASE IF NOT EXISTS `{d}`")
            await a.query(f"CREATE TABLE `{d}`.t (id INT PRIMARY KEY, v INT NOT NULL)")
            await a.query(f"INSERT INTO `{d}`.t SELECT seq, seq FROM `{d}`.seq_1_to_5")
        sess = await world.branch(db)
        real = await connect(upstream, copy)
        world.conns.append(real)
        alter = (
            "ALTER TABLE t ADD d DATE DEFAULT '2024-01-02', ADD dt DATETIME(3) DEFAULT"
            " '2024-01-02 03:04:05.678', ADD tm TIME DEFAULT '01:02:03', ADD n DECIMAL(6,2)"
            " DEFAULT 1.5, ADD s VARCHAR(9) DEFAULT 'x', ADD i BIGINT DEFAULT 7"
        )
        await sess.run("UPDATE t SET v = 0 WHERE id = 1")
        await sess.run(alter)
        await real.query(alter)
        query = "SELECT * FROM t ORDER BY id"
        assert (await sess.run(query))[0] == "rows"
        got = await sess.client.query(sess.relayed[-1])
        want = await real.query(query)
    finally:
        await world.admin.query(f"DROP DATABASE IF EXISTS `{copy}`")
        await world.close()
    return [(c.name, c.type_code) for c in got.columns] + got.rows[1:], [
        (c.name, c.type_code) for c in want.columns
    ] + want.rows[1:]


def test_merged_reads_keep_column_types(schema: str, upstream: Any) -> None:
    """Base rows show an added column's default with the column's own type (a DATE, not a
    string), so drivers decode branch rows as they decode a real copy's."""
    got, want = asyncio.run(_types(upstream, schema))
    assert got == want
