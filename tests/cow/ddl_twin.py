"""A branch and a real copy side by side, for the DDL tests: the same statements on both, replies
compared (errors by code), table definitions compared through SHOW CREATE TABLE (the branch side
reads the overlay that stands for the table), and the base checked untouched at the end."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cow_harness import BranchSession, Reply, World, connect, direct

from branchdb.cow.executor import AioMysqlExecutor

BASE = (
    "CREATE TABLE parent (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL)",
    "INSERT INTO parent (name) VALUES ('p1'), ('p2'), ('p3')",
    "CREATE TABLE child (id INT AUTO_INCREMENT PRIMARY KEY, pid INT NOT NULL, v INT,"
    " KEY v (v), CONSTRAINT fk_child_parent FOREIGN KEY (pid) REFERENCES parent (id))",
    "INSERT INTO child (pid, v) VALUES (1, 10), (2, 20), (2, 21)",
    "CREATE TABLE other (k INT PRIMARY KEY, s VARCHAR(10))",
    "INSERT INTO other VALUES (1, 'a'), (2, 'b')",
)
TABLES = ("parent", "child", "other")


@dataclass
class Twin:
    world: World
    branch: BranchSession
    copy: AioMysqlExecutor
    db: str
    copy_db: str

    async def both(self, sql: str, *, same: bool = True) -> tuple[Reply, Reply]:
        """Run `sql` on the branch and on the copy; with `same`, the replies must be equal."""
        got = _short(await self.branch.run(sql))
        want = _short(await direct(self.copy, sql.replace(f"{self.db}.", f"{self.copy_db}.")))
        if want[0] == "rows":  # SHOW TABLES names the database in its header
            names = tuple(n.replace(self.copy_db, self.db) for n in want[1])
            want = (want[0], names, *want[2:])
        if same:
            assert got == want, f"{sql}\n branch: {got}\n   copy: {want}"
        return got, want

    async def rows(self, sql: str) -> None:
        """A read: equal rows on both sides (and it must succeed)."""
        got, _ = await self.both(sql)
        assert got[0] == "rows", got

    async def same_definition(self, table: str) -> None:
        """SHOW CREATE TABLE of the branch's table (its overlay) equals the copy's."""
        ts = self.branch.branch.tables[(self.db, table)]
        res = await self.world.admin.query(
            f"SHOW CREATE TABLE `{ts.overlay_db}`.`{ts.overlay_table}`"
        )
        got = _norm(res.rows[0][1], ts.overlay_table, table)
        res = await self.world.admin.query(f"SHOW CREATE TABLE `{self.copy_db}`.`{table}`")
        want = _norm(res.rows[0][1], table, table)
        assert got == want, f"{got}\n{want}"


def _short(reply: Reply) -> Reply:
    if reply[0] == "ok":  # the info text of DDL differs in no way that matters; keep counts
        return reply[:4]
    return reply


def _norm(raw: Any, name: str, as_name: str) -> str:
    sql = raw.decode() if isinstance(raw, bytes) else str(raw)
    sql = re.sub(r" AUTO_INCREMENT=\d+", "", sql)
    return sql.replace(f"CREATE TABLE `{name}`", f"CREATE TABLE `{as_name}`", 1)


Body = Callable[[Twin], Awaitable[None]]


async def _fingerprint(admin: AioMysqlExecutor, db: str) -> Any:
    out = []
    res = await admin.query(
        f"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}'"
        " ORDER BY TABLE_NAME"
    )
    for (name,) in res.rows:
        t = name.decode() if isinstance(name, bytes) else name
        out.append(await direct(admin, f"SHOW CREATE TABLE `{db}`.`{t}`"))
        out.append(await direct(admin, f"CHECKSUM TABLE `{db}`.`{t}`"))
    return out


def run_twin(
    upstream: Any, db: str, body: Body, base: tuple[str, ...] = BASE, *, materialize: bool = False
) -> None:
    """Run `body` on a branch of `db` and a real copy. Without `materialize`, written tables
    stay `cow`; with it, tables under 1000 rows are copied whole on a write (`materialized`)."""

    async def main() -> None:
        world = await World.open(upstream)
        world.engine.materialize_below = 1000 if materialize else 0
        copy_db = f"{db}_copy"
        try:
            await world.admin.query(f"CREATE DATABASE `{copy_db}`")
            for target in (db, copy_db):
                await world.admin.query(f"USE `{target}`")
                for sql in base:
                    await world.admin.query(sql)
            before = await _fingerprint(world.admin, db)
            sess = await world.branch(db)
            copy = await connect(upstream, copy_db)
            world.conns.append(copy)
            await body(Twin(world, sess, copy, db, copy_db))
            assert await _fingerprint(world.admin, db) == before, "the base changed"
        finally:
            await world.admin.query(f"DROP DATABASE IF EXISTS `{copy_db}`")
            await world.close()

    asyncio.run(main())


def other_db_name() -> str:
    return f"t_{secrets.token_hex(6)}"
