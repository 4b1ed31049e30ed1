"""Which branch a session works on: looked up in the catalog, created on first connect, and
told when its connections come and go so its TTL counts from the last close.

The directory uses its own control connection (the engine has another), so lifecycle requests
never wait behind overlay DDL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from branchdb.cow.catalog import BranchInfo, CatalogError
from branchdb.cow.executor import AioMysqlExecutor
from branchdb.cow.lifecycle import Lifecycle
from branchdb.proxy import logs
from branchdb.proxy.config import Config
from branchdb.proxy.constants import ER
from branchdb.proxy.errors import BranchDBError

log = logs.get("branches")


class BranchDirectory:
    def __init__(self, config: Config, control: AioMysqlExecutor) -> None:
        self.config = config
        self.lifecycle = Lifecycle(control)
        self._lock = asyncio.Lock()

    async def attach(self, name: str, user: str) -> BranchInfo:
        """The branch named `name` (created with the proxy's defaults when missing), counted as
        having one more connection."""
        async with self._lock:
            info = await self.lifecycle.get(name)
            if info is None:
                if not self.config.auto_create:
                    raise BranchDBError(
                        ER.BAD_DB_ERROR,
                        f"branchdb: unknown branch '{name}' (auto-create is off; create it with "
                        f"`branchdb branch create {name}`)",
                        sqlstate="42000",
                    )
                with contextlib.suppress(CatalogError):  # another proxy may have been first
                    await self.lifecycle.create(
                        name,
                        mode=self.config.default_mode,
                        ttl_secs=self.config.default_ttl,
                        owner=user,
                    )
                    logs.event(log, logging.INFO, "branch_created", branch=name)
                info = await self.lifecycle.get(name)
                if info is None:  # pragma: no cover - deleted between create and load
                    raise BranchDBError(ER.BAD_DB_ERROR, f"branchdb: branch '{name}' vanished")
            await self.lifecycle.connected(info.id)
            return info

    async def detach(self, info: BranchInfo) -> None:
        async with self._lock:
            try:
                await self.lifecycle.disconnected(info.id)
            except CatalogError:
                pass  # deleted while connected

    async def gc_forever(self, interval: float) -> None:
        """Delete expired branches now and then (any replica may do it; deletes are idempotent)."""
        while True:
            await asyncio.sleep(interval)
            try:
                async with self._lock:
                    names = await self.lifecycle.gc()
                if names:
                    logs.event(log, logging.INFO, "branches_expired", names=",".join(names))
            except Exception as exc:  # keep serving; try again next round
                logs.event(log, logging.WARNING, "gc_failed", error=exc)
