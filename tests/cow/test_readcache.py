"""Remembered read plans (cow/readcache.py) are reused only while the branch state they were made
from holds: a table made dirty, altered, renamed or dropped after a read was planned is read
afresh, and a second session of the branch sees the first one's changes at once."""

from __future__ import annotations

from typing import Any

from cow_harness import BranchSession, World
from test_modes_ddl import rows, run

READ = "SELECT * FROM items WHERE id <= 2 ORDER BY id"


def test_plans_follow_the_branch_state(schema: str, upstream: Any) -> None:
    async def body(world: World, s: BranchSession, db: str) -> None:
        await s.run("SELECT 1")  # the branch's first statement prepares its overlays
        assert rows(await s.run(READ)) == [("1", "c1", "1"), ("2", "c2", "2")]
        n = len(s.relayed)
        await s.run(READ)
        assert len(s.relayed) == n  # clean: remembered as pass-through
        await s.run("UPDATE items SET qty = 100 WHERE id = 1")
        assert rows(await s.run(READ)) == [("1", "c1", "100"), ("2", "c2", "2")]
        planned = s.relayed[-1]
        await s.run(READ)
        assert s.relayed[-1] == planned  # the same plan, reused
        assert (await s.run("ALTER TABLE items ADD COLUMN z INT DEFAULT 7"))[0] == "ok"
        assert rows(await s.run(READ)) == [("1", "c1", "100", "7"), ("2", "c2", "2", "7")]
        assert (await s.run("ALTER TABLE items RENAME COLUMN qty TO amount"))[0] == "ok"
        assert rows(await s.run("SELECT id, amount FROM items WHERE id <= 2 ORDER BY id")) == [
            ("1", "100"),
            ("2", "2"),
        ]
        assert (await s.run(READ))[0] == "rows"
        other = await world.session(s.branch, db)  # another connection of the same branch
        await other.run("DELETE FROM items WHERE id = 2")
        assert rows(await s.run(READ)) == [("1", "c1", "100", "7")]
        assert (await s.run("RENAME TABLE items TO goods"))[0] == "ok"
        assert (await s.run(READ))[:2] == ("err", 1146)
        assert rows(await s.run("SELECT id FROM goods WHERE id <= 2 ORDER BY id")) == [("1",)]
        assert (await s.run("DROP TABLE goods"))[0] == "ok"
        assert (await s.run("SELECT id FROM goods WHERE id <= 2 ORDER BY id"))[:2] == (
            "err",
            1146,
        )

    run(upstream, schema, body)
