"""A branch never locks base rows: while a branch transaction holds its changes open, a teammate
on the shared database updates the very same base rows with innodb_lock_wait_timeout=1 and must
never wait (a wait would end in error 1205 after a second)."""

from __future__ import annotations

import asyncio
from typing import Any

from cow_harness import World, connect

BRANCH_STATEMENTS = [
    "UPDATE items SET qty = qty + 1 WHERE id IN (1, 2, 3)",
    "DELETE FROM items WHERE id = 4",
    "UPDATE items SET qty = 7 WHERE grp = 1 ORDER BY id LIMIT 2",
    "INSERT INTO items (id, code, grp) VALUES (5, 'c5', 1) ON DUPLICATE KEY UPDATE qty = 99",
    "REPLACE INTO items (id, code, grp) VALUES (6, 'c6b', 2)",
    "INSERT IGNORE INTO items (code, grp) VALUES ('c7', 3)",
    "INSERT INTO items (code, grp) SELECT CONCAT(code, 'x'), grp FROM items WHERE id = 8",
    "UPDATE items SET qty = 0 WHERE id IN (SELECT item_id FROM tags WHERE tag = 'red')",
    "DELETE FROM items WHERE id IN (SELECT item_id FROM tags WHERE tag = 'blue')",
    "SELECT * FROM items WHERE id < 12 ORDER BY id",
    "SELECT * FROM items WHERE id < 12 FOR UPDATE",
    "SELECT * FROM tags WHERE item_id < 12 FOR UPDATE",
    "SELECT * FROM tags WHERE item_id < 12 LOCK IN SHARE MODE",
    "UPDATE items i JOIN tags t ON t.item_id = i.id SET i.qty = t.w WHERE t.tag = 'red'",
    "DELETE i FROM items i JOIN tags t ON t.item_id = i.id WHERE t.tag = 'blue' AND i.id > 15",
    "UPDATE items i LEFT JOIN tags t ON t.item_id = i.id SET i.qty = COALESCE(t.w, -1)",
]
TEAMMATE = [
    "UPDATE {db}.items SET qty = qty + 100 WHERE id BETWEEN 1 AND 12",
    "DELETE FROM {db}.items WHERE id = 9",
    "UPDATE {db}.tags SET w = w + 1",
    "INSERT INTO {db}.items (code, grp) VALUES (CONCAT('tm', UUID_SHORT()), 1)",
]


async def scenario(upstream: Any, db: str) -> list[str]:
    world = await World.open(upstream)
    problems = []
    try:
        a = world.admin
        await a.query(f"USE `{db}`")
        await a.query(
            "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL"
            " UNIQUE, grp INT NOT NULL, qty INT NOT NULL DEFAULT 0)"
        )
        await a.query(
            "CREATE TABLE tags (item_id INT NOT NULL, tag VARCHAR(10) NOT NULL,"
            " w INT NOT NULL DEFAULT 0, PRIMARY KEY (item_id, tag))"
        )
        await a.query(
            "INSERT INTO items (code, grp) SELECT CONCAT('c', seq), seq % 3 FROM seq_1_to_20"
        )
        await a.query(
            "INSERT INTO tags (item_id, tag) SELECT seq, IF(seq % 2, 'red', 'blue')"
            " FROM seq_1_to_20"
        )
        sess = await world.branch(db)
        await sess.run("BEGIN")
        mate = await connect(upstream, db)
        world.conns.append(mate)
        await mate.query("SET SESSION innodb_lock_wait_timeout = 1")
        for sql in BRANCH_STATEMENTS:
            reply = await sess.run(sql)
            if reply[0] == "err":
                problems.append(f"branch statement failed: {sql}: {reply}")
            for t in TEAMMATE:
                res = await _try(mate, t.format(db=f"`{db}`"))
                if res:
                    problems.append(f"after {sql!r}: teammate {t!r} -> {res}")
        await sess.run("ROLLBACK")
    finally:
        await world.close()
    return problems


async def _try(executor: Any, sql: str) -> str:
    from branchdb.cow.executor import UpstreamError

    try:
        await executor.query(sql)
    except UpstreamError as e:
        return f"error {e.errno}: {e.message}"
    return ""


def test_branch_never_locks_base_rows(schema: str, upstream: Any) -> None:
    problems = asyncio.run(scenario(upstream, schema))
    assert not problems, "\n".join(problems)


#: Writes whose subqueries the server would read with shared locks and branchdb cannot yet turn
#: into lock-free reads: refused with 1235, nothing run.
REFUSED = [
    "UPDATE items SET qty = (SELECT MAX(w) FROM tags WHERE tags.item_id = items.id) WHERE id = 3",
    "INSERT INTO items (id, code, grp) VALUES (2, 'c2', 1)"
    " ON DUPLICATE KEY UPDATE qty = (SELECT COUNT(*) FROM tags)",
]


async def refusals(upstream: Any, db: str) -> list[str]:
    world = await World.open(upstream)
    problems = []
    try:
        a = world.admin
        await a.query(f"USE `{db}`")
        await a.query("CREATE TABLE items (id INT PRIMARY KEY, code VARCHAR(20), grp INT, qty INT)")
        await a.query(
            "CREATE TABLE tags (item_id INT, tag VARCHAR(9), w INT, PRIMARY KEY (item_id, tag))"
        )
        await a.query("INSERT INTO items VALUES (2, 'c2', 1, 0), (3, 'c3', 1, 0)")
        await a.query("INSERT INTO tags VALUES (3, 'red', 7)")
        sess = await world.branch(db)
        for sql in REFUSED:
            reply = await sess.run(sql)
            if reply[:2] != ("err", 1235):
                problems.append(f"{sql!r} was not refused with 1235: {reply}")
        reply = await sess.run("SELECT id, qty FROM items ORDER BY id")
        if reply[0] != "rows" or reply[2] != ((b"2", b"0"), (b"3", b"0")):
            problems.append(f"a refused write changed the branch, or the session broke: {reply}")
    finally:
        await world.close()
    return problems


def test_writes_that_would_lock_shared_rows_are_refused(schema: str, upstream: Any) -> None:
    problems = asyncio.run(refusals(upstream, schema))
    assert not problems, "\n".join(problems)
