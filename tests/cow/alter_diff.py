"""Differential runs of schema changes: the same statements on a branch (through the engine) and on
a real copy of the database; replies, SHOW CREATE TABLE and every row must agree, and the base
must be untouched (CHECKSUM TABLE and SHOW CREATE TABLE). Pytest-free, like cow_harness."""

from __future__ import annotations

import re
from typing import Any

from cow_harness import Reply, World, connect, direct

TABLES = ("t", "p", "n", "loose")
ORDER = {"t": "id", "p": "id", "n": "k", "loose": "1, 2"}
SETUP = (
    "CREATE TABLE p (id INT PRIMARY KEY)",
    "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20) NOT NULL, b INT NULL,"
    " c DECIMAL(8,2) NOT NULL DEFAULT 0, d DATE NULL, UNIQUE KEY ua (a), KEY kb (b))",
    "CREATE TABLE n (k VARCHAR(5) PRIMARY KEY, v INT NOT NULL)",
    "CREATE TABLE loose (x INT NULL, y VARCHAR(5) NULL)",
    "INSERT INTO p SELECT seq FROM seq_0_to_200",
    "INSERT INTO t (a, b, c, d) SELECT CONCAT('a', seq), IF(seq % 5 = 0, NULL, seq % 7),"
    " seq / 4, '2024-01-01' + INTERVAL seq DAY FROM seq_1_to_300",
    "INSERT INTO n SELECT CONCAT('k', seq), seq FROM seq_1_to_40",
    "INSERT INTO loose SELECT seq % 4, CONCAT('y', seq) FROM seq_1_to_12",
)
#: Branch changes made before the schema change, so overlay rows and tombstones exist.
BEFORE = (
    "UPDATE t SET b = 100 WHERE id <= 3",
    "DELETE FROM t WHERE id = 10",
    "INSERT INTO t (a, b) VALUES ('new1', 1)",
    "UPDATE n SET v = v + 1000 WHERE k IN ('k1', 'k2')",
)
_AI = re.compile(r" AUTO_INCREMENT=\d+")


def _ok_shape(reply: Reply, sql: str) -> Reply:
    """ALTER replies differ in the row count the server rebuilt; compare the outcome only."""
    if reply[0] == "ok" and sql.lstrip().upper().startswith("ALTER"):
        return ("ok",)
    return reply


async def _fingerprint(admin: Any, db: str) -> list[Reply]:
    out = []
    for t in TABLES:
        out.append(await direct(admin, f"CHECKSUM TABLE `{db}`.`{t}`"))
        out.append(await direct(admin, f"SHOW CREATE TABLE `{db}`.`{t}`"))
    return out


async def _show_create(admin: Any, db: str, table: str) -> str:
    res = await direct(admin, f"SHOW CREATE TABLE `{db}`.`{table}`")
    if res[0] != "rows":
        return f"error {res}"
    body = res[2][0][1].decode()
    return _AI.sub("", body)


async def run_case(
    upstream: Any,
    base: str,
    steps: list[str],
    *,
    before: tuple[str, ...] = BEFORE,
    materialize_below: int = 0,
) -> tuple[list[str], dict[str, str]]:
    """Problems found (empty: the branch behaved as the real copy), and the branch state of
    each table at the end. Small-table materialization is off unless asked for, so the column
    mapping is what gets tested."""
    world = await World.open(upstream)
    world.engine.materialize_below = materialize_below
    states: dict[str, str] = {}
    copy = base + "_copy"
    problems: list[str] = []
    try:
        admin = world.admin
        await admin.query(f"USE `{base}`")
        for sql in SETUP:
            await admin.query(sql)
        await admin.query(f"DROP DATABASE IF EXISTS `{copy}`")
        await admin.query(f"CREATE DATABASE `{copy}` CHARACTER SET utf8mb4")
        for sql in SETUP:
            await admin.query(f"USE `{copy}`")
            await admin.query(sql)
        await admin.query(f"USE `{base}`")
        base_before = await _fingerprint(admin, base)
        sess = await world.branch(base)
        real = await connect(upstream, copy)
        world.conns.append(real)
        for n, sql in enumerate([*before, *steps, "COMMIT"]):
            want = _ok_shape(await direct(real, sql), sql)
            got = _ok_shape(await sess.run(sql), sql)
            if sql.lstrip().upper().startswith(("ALTER", "CREATE", "DROP")):
                # DDL commits the open transaction before it runs, even when it then fails (the
                # proxy reads that from the server's status flags; this harness must be told).
                sess.in_transaction = False
            if want != got:
                problems.append(f"#{n} {sql}\n  copy:   {want}\n  branch: {got}")
        for t in TABLES:
            info = sess.branch.tables.get((base, t))
            if info is not None:
                states[t] = info.state
            exists = (await direct(real, f"SELECT 1 FROM `{t}` LIMIT 0"))[0] != "err"
            if not exists:
                continue
            if info is not None and info.state != "dropped":
                got_ddl = await _show_create(admin, info.overlay_db, info.overlay_table)
                want_ddl = await _show_create(admin, copy, t)
                if got_ddl != want_ddl:
                    problems.append(f"SHOW CREATE {t}\n  copy:   {want_ddl}\n  branch: {got_ddl}")
            q = f"SELECT * FROM `{t}` ORDER BY {ORDER[t]}"
            relayed = len(sess.relayed)
            want_rows, got_rows = await direct(real, q), await sess.run(q)
            if want_rows != got_rows:
                problems.append(f"rows of {t} differ:\n  copy:   {want_rows}\n  branch: {got_rows}")
            elif got_rows[0] == "rows":  # and the column types drivers decode by
                sent = sess.relayed[-1] if len(sess.relayed) > relayed else q
                got_types = [c.type_code for c in (await sess.client.query(sent)).columns]
                want_types = [c.type_code for c in (await real.query(q)).columns]
                if got_types != want_types:
                    problems.append(f"column types of {t}: copy {want_types}, branch {got_types}")
        if await _fingerprint(admin, base) != base_before:
            problems.append("the base changed")
    finally:
        for conn in world.conns:  # an open transaction would hold metadata locks past the test
            await direct(conn, "ROLLBACK")
        await world.admin.query(f"DROP DATABASE IF EXISTS `{copy}`")
        await world.close()
    return problems, states
