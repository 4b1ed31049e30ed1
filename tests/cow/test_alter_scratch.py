"""The scratch copy an ALTER is tried on is kept between ALTERs (cow/alter_scratch.py): it must
never answer for an overlay that changed another way since, and it goes with its branch."""

from __future__ import annotations

import asyncio
from typing import Any

from alter_diff import run_case
from cow_harness import World

from branchdb.cow.alter_scratch import scratch_schema

# Each later ALTER would get a different answer from a copy that missed the step before it.
KEPT_COPY_STEPS = [
    "ALTER TABLE t ADD COLUMN e INT DEFAULT 1, ADD INDEX ix (e)",
    "DROP INDEX ix ON t",  # the overlay changes outside ALTER TABLE
    "ALTER TABLE t ADD INDEX ix (e)",  # a stale copy still has ix: 1061 instead of OK
    "ALTER TABLE t DROP INDEX ix, DROP INDEX ix",  # 1091 on both
    "ALTER TABLE t ADD COLUMN e INT",  # 1060 on both: the copy is unchanged by a failed trial
    "ALTER TABLE t RENAME COLUMN e TO e2",
    "ALTER TABLE t DROP COLUMN e2",
    "ALTER TABLE t ADD COLUMN e2 VARCHAR(4) DEFAULT 'z'",
    "UPDATE t SET e2 = 'w' WHERE id = 5",
]


def test_kept_copy_follows_other_changes(schema: str, upstream: Any) -> None:
    problems, states = asyncio.run(run_case(upstream, schema, KEPT_COPY_STEPS))
    # DROP INDEX … ON (cow/ddl_index.py) answers OK without the server's "Records: 0 …" info;
    # that reply is not what this test is about, the later ALTERs are.
    problems = [p for p in problems if not _only_info_differs(p, "DROP INDEX ix ON t")]
    assert problems == [], "\n".join(problems)
    assert states["t"] == "cow"  # every step mapped: the trial ran each time


def _only_info_differs(problem: str, sql: str) -> bool:
    head, _, rest = problem.partition("\n")
    return head.endswith(sql) and rest.split("branch:")[1].strip() == "('ok', 0, 0, 0, '')"


async def _scratch_tables(world: World, schema: str) -> list[str]:
    res = await world.admin.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES"
        f" WHERE TABLE_SCHEMA = '{schema}' ORDER BY TABLE_NAME"
    )
    return [bytes(r[0]).decode() if isinstance(r[0], bytes) else str(r[0]) for r in res.rows]


async def _lifetime(upstream: Any, db: str) -> tuple[list[str], list[str]]:
    world = await World.open(upstream)
    try:
        await world.admin.query(f"CREATE TABLE `{db}`.t (id INT PRIMARY KEY, a INT NOT NULL)")
        await world.admin.query(f"INSERT INTO `{db}`.t SELECT seq, seq FROM `{db}`.seq_1_to_50")
        sess = await world.branch(db)
        assert (await sess.run("UPDATE t SET a = 0 WHERE id < 3"))[0] == "ok"
        for sql in ("ALTER TABLE t ADD COLUMN b INT", "ALTER TABLE t ADD COLUMN c INT"):
            assert (await sess.run(sql))[0] == "ok"
        ts = sess.branch.tables[(db, "t")]
        assert ts.state == "cow"
        scratch = scratch_schema(ts.overlay_db)
        kept = await _scratch_tables(world, scratch)
        await world.lifecycle.delete(world.branches.pop(), force=True)
        return kept, await _scratch_tables(world, scratch)
    finally:
        await world.close()


def test_one_kept_copy_per_table_dropped_with_the_branch(schema: str, upstream: Any) -> None:
    kept, after_delete = asyncio.run(_lifetime(upstream, schema))
    assert len(kept) == 1 and kept[0].startswith("_bdba_"), kept
    assert after_delete == []
