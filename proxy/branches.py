"""Which branch a session works on: looked up in the catalog, created on first connect, and
told when its connections come and go so its TTL counts from the last close.

The directory uses its own control connection (the engine has another), so lifecycle requests
never wait behind overlay DDL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from branchdb.cow import catalog
from branchdb.cow.catalog import BranchInfo, CatalogError, TableState
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
        self.control = control
        self.lifecycle = Lifecycle(control)
        self._lock = asyncio.Lock()
        #: One BranchInfo per branch, shared by all sessions of this proxy: the engine records a
        #: table it makes dirty there, so every session of the branch sees it at once.
        self._infos: dict[str, BranchInfo] = {}
        self._seen_version = -1

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
            shared = self._infos.setdefault(info.id, info)
            if shared is not info:  # keep the shared object, with the catalog's current tables
                _merge_tables(shared, info.tables, set(shared.tables))
            await self.lifecycle.connected(info.id)
            return shared

    async def detach(self, info: BranchInfo) -> None:
        async with self._lock:
            try:
                await self.lifecycle.disconnected(info.id)
            except CatalogError:
                pass  # deleted while connected

    async def watch_catalog(self, interval: float) -> None:
        """Follow tables other proxies make dirty: when the catalog version moves, reload the
        tables of every branch this proxy serves. A replica sees another's first write to a table
        within `interval`; sessions of one proxy see it at once."""
        while True:
            await asyncio.sleep(interval)
            try:
                async with self._lock:  # one statement at a time on the control connection
                    version = await catalog.catalog_version(self.control)
                    if version == self._seen_version:
                        continue
                    self._seen_version = version
                    for info in list(self._infos.values()):
                        before = set(info.tables)
                        loaded = await catalog.load_tables(self.control, info.id)
                        _merge_tables(info, loaded, before)
            except Exception as exc:  # keep serving; try again next round
                logs.event(log, logging.WARNING, "catalog_watch_failed", error=exc)

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


def _merge_tables(
    info: BranchInfo, loaded: dict[tuple[str, str], TableState], before: set[tuple[str, str]]
) -> None:
    """Bring `info.tables` to the catalog's state without a lock: tables the engine adds while
    the catalog was being read (absent from `before`) are kept."""
    for key in before - set(loaded):
        info.tables.pop(key, None)
    for key, state in loaded.items():
        info.tables[key] = state
    info.refresh_watch()
