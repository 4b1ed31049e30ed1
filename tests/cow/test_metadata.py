"""Metadata on a branch (DESIGN §7): SHOW, DESCRIBE and information_schema show the branch.

Each test builds a base schema with data and a "real copy" (a second schema, same DDL and rows),
runs the same schema changes on a branch (through the real proxy) and directly on the copy, and
compares what each metadata statement returns, with the copy's schema name mapped to the base's.
Values that depend on storage (AUTO_INCREMENT, row counts, sizes, times) are left out.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import mysql.connector
import pymysql
import pytest
import sqlalchemy as sa
from metadata_compare import Pair

BASE = (
    "CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, KEY ix_name (name))",
    "CREATE TABLE child (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, note TEXT,"
    " CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id))",
    "CREATE TABLE gone (id INT PRIMARY KEY, v INT)",
    "CREATE TABLE keep_me (id INT PRIMARY KEY, v INT)",
    "CREATE TABLE trimmed (id INT PRIMARY KEY, a INT, b VARCHAR(5))",
    "CREATE TABLE old_name (id INT PRIMARY KEY, w INT)",
    "CREATE TRIGGER trg_keep BEFORE INSERT ON keep_me FOR EACH ROW SET NEW.v = COALESCE(NEW.v, 0)",
    "CREATE TRIGGER trg_gone BEFORE INSERT ON gone FOR EACH ROW SET NEW.v = COALESCE(NEW.v, 0)",
    "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2')",
    "INSERT INTO child (parent_id, note) VALUES (1, 'a'), (2, 'b')",
    "INSERT INTO gone VALUES (1, 1)",
    "INSERT INTO keep_me VALUES (1, 1)",
    "INSERT INTO trimmed VALUES (1, 2, 'x')",
    "INSERT INTO old_name VALUES (1, 1)",
)
#: Schema changes that run on the branch and on the real copy alike.
CHANGES = (
    "ALTER TABLE parent ADD COLUMN extra INT NOT NULL DEFAULT 7",
    "CREATE TABLE fresh (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, label VARCHAR(10),"
    " KEY ix_label (label),"
    " CONSTRAINT fk_fresh_parent FOREIGN KEY (parent_id) REFERENCES parent (id))",
    "INSERT INTO fresh (parent_id, label) VALUES (1, 'f')",
    "INSERT INTO child (parent_id, note) VALUES (1, 'c')",
    "TRUNCATE TABLE trimmed",
    "DROP TABLE gone",
    "ALTER TABLE trimmed DROP COLUMN b",
    "ALTER TABLE keep_me ADD INDEX ix_v (v)",
    "ALTER TABLE keep_me RENAME COLUMN v TO v2",
    "CREATE INDEX ix_note ON child (note(10))",
    "RENAME TABLE old_name TO new_name",
    "ALTER TABLE new_name ADD UNIQUE KEY uq_w (w)",
)


@pytest.fixture
def pair(upstream: Any, proxy: Any, schema: str) -> Iterator[Pair]:
    copy_db = f"{schema}_copy"
    admin = upstream.connect(autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{copy_db}` CHARACTER SET utf8mb4")
            for db in (schema, copy_db):
                cur.execute(f"USE `{db}`")
                for sql in BASE:
                    cur.execute(sql)
        branch = proxy.connect(
            branch=f"meta-{secrets.token_hex(4)}", database=schema, autocommit=True
        )
        copy = upstream.connect(autocommit=True, database=copy_db)
        try:
            with branch.cursor() as b, copy.cursor() as c:
                for sql in CHANGES:
                    b.execute(sql)
                    c.execute(sql)
            yield Pair(branch, copy, schema, copy_db)
        finally:
            branch.close()
            copy.close()
        with admin.cursor() as cur:  # the base is untouched by the branch
            cur.execute(f"SELECT COUNT(*) FROM `{schema}`.gone")
            assert cur.fetchone() == (1,)
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
                " AND TABLE_NAME = 'parent'",
                (schema,),
            )
            assert cur.fetchone() == (2,)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{copy_db}`")
        admin.close()


TABLES = ("parent", "child", "fresh", "keep_me", "trimmed", "new_name")


def test_show_tables_forms(pair: Pair) -> None:
    names, rows = pair.same("SHOW TABLES")
    assert names == (f"Tables_in_{pair.db}",)
    assert [r[0] for r in rows] == sorted(TABLES)
    pair.same("SHOW FULL TABLES")
    pair.same("SHOW FULL TABLES FROM `{db}`")
    pair.same("SHOW TABLES LIKE '%e%'")
    pair.same("SHOW FULL TABLES IN `{db}` WHERE Tables_in_{db} LIKE 'f%' OR Table_type = 'x'")
    pair.same("SHOW TABLES WHERE `Tables_in_{db}` <> 'parent'")


def test_show_table_status(pair: Pair) -> None:
    names, rows = pair.same("SHOW TABLE STATUS")
    assert [r[0] for r in rows] == sorted(TABLES)
    assert {"Name", "Engine", "Collation"} <= set(names)
    got, want = pair.both("SHOW TABLE STATUS FROM `{db}` LIKE 'p%'")
    assert [r[0] for r in got[1]] == [r[0] for r in want[1]] == ["parent"]
    got, want = pair.both("SHOW TABLE STATUS WHERE Name IN ('fresh', 'gone')")
    assert [r[0] for r in got[1]] == [r[0] for r in want[1]] == ["fresh"]


@pytest.mark.parametrize("table", TABLES)
def test_per_table_forms(pair: Pair, table: str) -> None:
    pair.same(f"SHOW COLUMNS FROM {table}")
    pair.same(f"SHOW FULL COLUMNS FROM `{table}` FROM `{{db}}`")
    pair.same(f"SHOW FIELDS FROM `{{db}}`.{table} LIKE 'p%'")
    pair.same(f"SHOW COLUMNS IN {table} WHERE `Key` = 'PRI'")
    pair.same(f"DESCRIBE {table}")
    pair.same(f"DESC `{{db}}`.`{table}` id")
    pair.same(f"EXPLAIN {table}")
    pair.same(f"SHOW CREATE TABLE {table}")
    pair.same(f"SHOW CREATE TABLE `{{db}}`.{table}")
    for form in ("INDEX", "INDEXES", "KEYS"):
        pair.same(f"SHOW {form} FROM {table}")
    pair.same(f"SHOW INDEX FROM {table} WHERE Key_name = 'PRIMARY'")


def test_dropped_table_is_gone(pair: Pair) -> None:
    for sql in (
        "SHOW CREATE TABLE gone",
        "SHOW COLUMNS FROM gone",
        "DESCRIBE `{db}`.gone",
        "SHOW INDEX FROM gone",
        "SHOW CREATE TABLE old_name",
        "DESCRIBE old_name",
    ):
        assert pair.both(sql) == (("err", 1146), ("err", 1146)), sql


def test_show_databases_hides_internals(pair: Pair) -> None:
    with pair.branch.cursor() as cur:
        cur.execute("SHOW DATABASES")
        names = [r[0] for r in cur.fetchall()]
        cur.execute("SHOW SCHEMAS LIKE '\\_%'")
        underscored = [r[0] for r in cur.fetchall()]
        cur.execute("SHOW DATABASES WHERE `Database` LIKE '\\_bdb\\_%'")
        bdb = cur.fetchall()
    assert pair.db in names and pair.copy_db in names
    assert not [n for n in names if n == "_branchdb" or n.startswith("_bdb_")]
    assert not [n for n in underscored if n == "_branchdb" or n.startswith("_bdb_")]
    assert bdb == ()
    assert names == sorted(names, key=str.encode)
    with pair.copy.cursor() as cur:  # the server itself has them
        cur.execute("SHOW DATABASES LIKE '\\_b%'")
        assert cur.fetchall()


INFO_QUERIES = (
    "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = '{db}' ORDER BY TABLE_NAME",
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE,"
    " COLUMN_TYPE, COLUMN_KEY, EXTRA FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = '{db}' ORDER BY TABLE_NAME, ORDINAL_POSITION",
    "SELECT c.COLUMN_NAME FROM INFORMATION_SCHEMA.columns AS c WHERE c.table_schema = '{db}'"
    " AND c.table_name = 'parent' ORDER BY c.ordinal_position",
    # MariaDB names the result columns as the statement spells them (clients read them by name)
    "SELECT table_name, Column_Name, data_type AS t FROM information_schema.columns"
    " WHERE table_schema = '{db}' ORDER BY table_name, ordinal_position",
    "SELECT k.constraint_name, k.referenced_table_name FROM information_schema.KEY_COLUMN_USAGE k"
    " WHERE k.table_schema = '{db}' AND k.referenced_table_name IS NOT NULL ORDER BY 1",
    "SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{db}'"
    " ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    "SELECT * FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = '{db}'"
    " ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
    "SELECT * FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = '{db}'"
    " ORDER BY TABLE_NAME, CONSTRAINT_NAME",
    "SELECT * FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '{db}'"
    " ORDER BY TABLE_NAME, CONSTRAINT_NAME",
    "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA"
    " WHERE SCHEMA_NAME = '{db}'",
    "SELECT COUNT(*) FROM information_schema.TABLES t JOIN information_schema.COLUMNS c"
    " ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME"
    " WHERE t.TABLE_SCHEMA = '{db}'",
    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}'"
    " AND TABLE_NAME IN (SELECT TABLE_NAME FROM information_schema.COLUMNS"
    " WHERE COLUMN_NAME = 'extra') ORDER BY 1",
)


@pytest.mark.parametrize("sql", INFO_QUERIES)
def test_information_schema(pair: Pair, sql: str) -> None:
    got = pair.same(sql)
    assert got[1], "the query returns rows"


def test_information_schema_hides_internals(pair: Pair) -> None:
    with pair.branch.cursor() as cur:
        for sql in (
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
            "SELECT DISTINCT TABLE_SCHEMA FROM information_schema.TABLES",
            "SELECT DISTINCT TABLE_SCHEMA FROM information_schema.COLUMNS",
            "SELECT DISTINCT TRIGGER_SCHEMA FROM information_schema.TRIGGERS",
            "SELECT DISTINCT INDEX_SCHEMA FROM information_schema.STATISTICS",
        ):
            cur.execute(sql)
            found = {r[0] for r in cur.fetchall()}
            assert not {s for s in found if s == "_branchdb" or s.startswith("_bdb_")}, sql
        cur.execute("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
        assert pair.db in {r[0] for r in cur.fetchall()}
        cur.execute(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_NAME LIKE %s",
            ("\\_bdbt\\_%",),
        )
        assert cur.fetchall() == ()


def test_triggers(pair: Pair) -> None:
    """Base triggers of tables changed in place stay (a real copy has them); a dropped table's
    go; branchdb's own overlay triggers never show."""
    _, rows = pair.same("SHOW TRIGGERS")
    assert [r[0] for r in rows] == ["trg_keep"]
    pair.same("SHOW TRIGGERS FROM `{db}` LIKE 'keep%'")
    pair.same("SHOW TRIGGERS WHERE `Trigger` LIKE 'trg%'")
    pair.same(
        "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT"
        " FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = '{db}' ORDER BY 2"
    )


def test_branch_databases(pair: Pair, upstream: Any) -> None:
    """A database created on the branch is listed and described; one dropped is unknown."""
    admin = upstream.connect(autocommit=True)
    try:
        with admin.cursor() as cur:
            for db in (pair.db, pair.copy_db):
                cur.execute(f"CREATE DATABASE `{db}_old`")
                cur.execute(f"CREATE TABLE `{db}_old`.t (id INT PRIMARY KEY)")
        for sql in (
            "CREATE DATABASE `{db}_new` CHARACTER SET utf8mb4",
            "CREATE TABLE `{db}_new`.z (id INT PRIMARY KEY, v VARCHAR(3))",
            "DROP DATABASE `{db}_old`",
        ):
            pair.same(sql)
        for sql in (
            "SHOW DATABASES LIKE '{db}\\_new'",
            "SHOW DATABASES LIKE '{db}\\_old'",
            "SHOW TABLES FROM `{db}_new`",
            "SHOW FULL TABLES FROM `{db}_new` WHERE Tables_in_{db}_new = 'z'",
            "SHOW TABLES FROM `{db}_old`",
            "SHOW CREATE TABLE `{db}_new`.z",
            "SHOW COLUMNS FROM z FROM `{db}_new`",
            "SHOW CREATE DATABASE `{db}_new`",
            "SHOW CREATE DATABASE `{db}_old`",
            "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA"
            " WHERE SCHEMA_NAME IN ('{db}_new', '{db}_old') ORDER BY 1",
            "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA IN ('{db}_new', '{db}_old') ORDER BY 1, 2",
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = '{db}_new' ORDER BY ORDINAL_POSITION",
        ):
            pair.same(sql)
        _, rows = pair.same("SHOW DATABASES WHERE `Database` IN ('{db}_new', '{db}_old')")
        assert [r[0] for r in rows] == [f"{pair.db}_new"]
    finally:
        with admin.cursor() as cur:
            for db in (pair.db, pair.copy_db):
                cur.execute(f"DROP DATABASE IF EXISTS `{db}_old`")
                cur.execute(f"DROP DATABASE IF EXISTS `{db}_new`")
        admin.close()


#: This branch's table records (other test sessions change other branches meanwhile).
_MINE = (
    "SELECT t.overlay_db, t.tbl, t.state FROM `_branchdb`.branch_tables t"
    " JOIN `_branchdb`.branches b ON b.id = t.branch_id WHERE b.name = %s ORDER BY 1, 2"
)


def test_internal_schemas_refused(pair: Pair, upstream: Any) -> None:
    with pair.branch.cursor() as cur:
        cur.execute(
            "SELECT TABLE_SCHEMA FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA LIKE '\\_bdb\\_%' LIMIT 1"
        )
        assert cur.fetchall() == ()  # a string naming them is fine: it finds nothing
    admin = upstream.connect(autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute(_MINE, (_branch_of(pair),))
            before = cur.fetchall()
            overlay = before[0][0]
    finally:
        admin.close()
    for sql in (
        "SELECT * FROM _branchdb.branches",
        "SELECT * FROM `_branchdb`.`branch_tables` WHERE 1",
        "DELETE FROM _branchdb.branch_tables",
        f"USE `{overlay}`",
        f"SHOW TABLES FROM `{overlay}`",
        f"CREATE TABLE `{overlay}`.x (a INT)",
        f"SELECT 1 FROM parent JOIN `{overlay}`.parent p USING (id)",
        "SHOW CREATE DATABASE _branchdb",
    ):
        with pair.branch.cursor() as cur, pytest.raises(pymysql.MySQLError) as info:
            cur.execute(sql)
        assert info.value.args[0] == 1044, sql
        assert "internal schema" in info.value.args[1]
    with pair.branch.cursor() as cur:  # the connection stays usable, in its database
        cur.execute("SELECT DATABASE(), COUNT(*) FROM parent")
        assert cur.fetchone() == (pair.db, 2)
    admin = upstream.connect(autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute(_MINE, (_branch_of(pair),))
            assert cur.fetchall() == before
    finally:
        admin.close()


def test_sqlalchemy_inspect(pair: Pair, proxy: Any, upstream: Any) -> None:
    user = f"{upstream.user}~{_branch_of(pair)}"
    on_branch = sa.create_engine(
        f"mysql+pymysql://{user}:{upstream.password}@{proxy.host}:{proxy.port}/{pair.db}"
    )
    on_copy = sa.create_engine(
        f"mysql+pymysql://{upstream.user}:{upstream.password}@{upstream.host}:{upstream.port}"
        f"/{pair.copy_db}"
    )
    try:
        got, want = _inspect(on_branch, pair.db), _inspect(on_copy, pair.copy_db)
    finally:
        on_branch.dispose()
        on_copy.dispose()
    text_got = repr(got)
    text_want = repr(want).replace(pair.copy_db, pair.db)
    assert text_got == text_want
    assert "extra" in text_got and "fk_fresh_parent" in text_got and "gone" not in text_got


def _branch_of(pair: Pair) -> str:
    return str(pair.branch._connect_attrs["branch"])


def _inspect(engine: sa.Engine, db: str) -> dict[str, Any]:
    insp = sa.inspect(engine)
    out: dict[str, Any] = {"tables": insp.get_table_names()}
    for t in out["tables"]:
        out[t] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in insp.get_columns(t)
            ],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), i["unique"]) for i in insp.get_indexes(t)
            ),
            "fks": sorted(
                (f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                for f in insp.get_foreign_keys(t)
            ),
            "pk": insp.get_pk_constraint(t)["constrained_columns"],
        }
    return out


def test_prepared_information_schema(pair: Pair, proxy: Any, upstream: Any) -> None:
    sql = (
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
    )
    conn = mysql.connector.connect(
        host=proxy.host,
        port=proxy.port,
        user=f"{upstream.user}~{_branch_of(pair)}",
        password=upstream.password,
        database=pair.db,
        autocommit=True,
    )
    try:
        cur = conn.cursor(prepared=True)
        cur.execute(sql, (pair.db, "parent"))
        assert [r[0] for r in cur.fetchall()] == ["id", "name", "extra"]
        cur.execute(sql, (pair.db, "fresh"))
        assert [r[0] for r in cur.fetchall()] == ["id", "parent_id", "label"]
        cur.execute(sql, (pair.db, "gone"))
        assert cur.fetchall() == []
        cur.execute("SHOW COLUMNS FROM parent")
        assert [r[0] for r in cur.fetchall()] == ["id", "name", "extra"]
        cur.execute("SHOW TABLES")
        assert sorted(r[0] for r in cur.fetchall()) == sorted(TABLES)
        cur.close()
    finally:
        conn.close()


def test_branch_view(pair: Pair) -> None:
    """A view created on the branch is listed and described like the copy's (SHOW CREATE VIEW
    and information_schema.VIEWS name the branch's database, never an overlay schema)."""
    pair.same("CREATE VIEW named AS SELECT id, name FROM parent WHERE id > 0")
    pair.same("SHOW FULL TABLES WHERE Table_type = 'VIEW'")
    pair.same("SHOW COLUMNS FROM named")
    pair.same(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME = 'named'"
    )
    pair.same(
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME = 'named' ORDER BY ORDINAL_POSITION"
    )
    got, want = pair.both("SHOW CREATE VIEW named")
    assert got[0] == want[0]
    # The branch stores its views ALGORITHM=TEMPTABLE (never updatable): the rest is the copy's.
    algorithm = re.compile(r"ALGORITHM=\w+ ")
    assert [algorithm.sub("", r[1]) for r in got[1]] == [algorithm.sub("", r[1]) for r in want[1]]
    assert not re.search(r"`_bdb_[0-9a-f]{8}_", got[1][0][1])  # no overlay schema
    pair.same(
        "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION"
        " FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{db}'"
    )


def test_show_warnings_still_reports_the_previous_statement(pair: Pair, proxy: Any) -> None:
    """SHOW WARNINGS is not a metadata form: on a new connection of the branch it still reports
    the statement before it, as on the copy."""
    conn = proxy.connect(branch=_branch_of(pair), database=pair.db, autocommit=True)
    try:
        for side in (conn, pair.copy):
            with side.cursor() as cur:
                cur.execute("SELECT CAST('1x' AS SIGNED)")
                cur.execute("SHOW WARNINGS")
                assert [r[1] for r in cur.fetchall()] == [1292]
    finally:
        conn.close()


def test_schema_grants_only_user_sees_the_branch(pair: Pair, proxy: Any, make_user: Any) -> None:
    """An account with privileges on the base schema only reads the branch's metadata through
    the overlay grants branchdb mirrors, and sees no overlay schema."""
    user = make_user()
    conn = proxy.connect(
        f"{user.name}~{_branch_of(pair)}", user.password, database=pair.db, autocommit=True
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            assert sorted(r[0] for r in cur.fetchall()) == sorted(TABLES)
            cur.execute("SHOW COLUMNS FROM parent")
            assert [r[0] for r in cur.fetchall()] == ["id", "name", "extra"]
            cur.execute("SHOW CREATE TABLE fresh")
            assert "fk_fresh_parent" in cur.fetchone()[1]
            cur.execute(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('parent', 'gone')"
                " ORDER BY ORDINAL_POSITION"
            )
            assert cur.fetchall() == (("parent", "id"), ("parent", "name"), ("parent", "extra"))
            cur.execute("SHOW DATABASES")
            names = [r[0] for r in cur.fetchall()]
            assert pair.db in names
            assert not [n for n in names if n.startswith("_bdb_") or n == "_branchdb"]
    finally:
        conn.close()
