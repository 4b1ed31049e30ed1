"""Which branch a session works on: found (or created on first connect) through the engine,
prepared for the session's database, and told when its connections come and go so its TTL counts
from the last close.

Lifecycle accounting uses its own control connection (the engine has another), so it never waits
behind overlay DDL.
"""

from __future__ import annotations

import asyncio
import logging

from branchdb.cow.catalog import BranchInfo, CatalogError
from branchdb.cow.engine import BranchEngine
from branchdb.cow.executor import AioMysqlExecutor
from branchdb.cow.lifecycle import Lifecycle
from branchdb.proxy import logs
from branchdb.proxy.config import Config
from branchdb.proxy.constants import ER
from branchdb.proxy.errors import BranchDBError

log = logs.get("branches")


class BranchDirectory:
    def __init__(self, config: Config, control: AioMysqlExecutor, engine: BranchEngine) -> None:
        self.config = config
        self.engine = engine
        self.lifecycle = Lifecycle(control)
        self._lock = asyncio.Lock()  # one statement at a time on the control connection

    async def attach(self, name: str, database: str | None) -> BranchInfo:
        """The branch named `name` (created with the proxy's defaults when missing), with the
        overlays of `database` ready, counted as having one more connection.

        Overlays are created before the session's first statement because InnoDB cannot read a
        table created after a transaction's read view (error 1412).
        """
        try:
            info = await self.engine.branch(
                name,
                create=self.config.auto_create,
                mode=self.config.default_mode,
                ttl_secs=self.config.default_ttl,
            )
        except CatalogError:
            raise BranchDBError(
                ER.BAD_DB_ERROR,
                f"branchdb: unknown branch '{name}' (auto-create is off; create it with "
                f"`branchdb branch create {name}`)",
                sqlstate="42000",
            ) from None
        await self.engine.prepare_session(info, database)
        async with self._lock:
            await self.lifecycle.connected(info.id)
        return info

    async def detach(self, info: BranchInfo) -> None:
        async with self._lock:
            try:
                await self.lifecycle.disconnected(info.id)
            except CatalogError:
                pass  # deleted while connected

    async def watch_catalog(self, interval: float) -> None:
        """Keep the engine's view of dirty tables current for statements that pass through: a
        replica sees another's first write to a table within `interval`; sessions of one proxy
        share the engine's BranchInfo and see it at once."""
        self.engine.refresh_interval = interval
        while True:
            await asyncio.sleep(interval)
            try:
                await self.engine.refresh()
            except Exception as exc:  # keep serving; try again next round
                logs.event(log, logging.WARNING, "catalog_watch_failed", error=exc)

    async def gc_forever(self, interval: float) -> None:
        """Delete expired branches now and then (any replica may do it; deletes are idempotent)."""
        while True:
            await asyncio.sleep(interval)
            try:
                async with self._lock:
                    names = await self.lifecycle.gc()
                for name in names:
                    logs.event(log, logging.INFO, "branch_expired", branch=name)
            except Exception as exc:  # keep serving; try again next round
                logs.event(log, logging.WARNING, "gc_failed", error=exc)
