"""Which branch a session works on: looked up in the catalog, created on first connect.

The directory uses its own control connection (the engine has another), so a slow lifecycle
request never waits behind overlay DDL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from branchdb.cow import catalog
from branchdb.cow.catalog import BranchInfo
from branchdb.cow.executor import AioMysqlExecutor
from branchdb.proxy import logs
from branchdb.proxy.config import Config
from branchdb.proxy.constants import ER
from branchdb.proxy.errors import BranchDBError

log = logs.get("branches")


class BranchDirectory:
    def __init__(self, config: Config, control: AioMysqlExecutor) -> None:
        self.config = config
        self.control = control
        self._lock = asyncio.Lock()

    async def attach(self, name: str, user: str) -> BranchInfo:
        """The branch named `name`, created with the proxy's defaults when it does not exist."""
        async with self._lock:
            info = await catalog.load_branch(self.control, name)
            if info is None:
                if not self.config.auto_create:
                    raise BranchDBError(
                        ER.BAD_DB_ERROR,
                        f"branchdb: unknown branch '{name}' (auto-create is off; create it with "
                        f"`branchdb branch create {name}`)",
                        sqlstate="42000",
                    )
                with contextlib.suppress(catalog.CatalogError):  # another proxy was first
                    await catalog.insert_branch(
                        self.control,
                        name,
                        self.config.default_mode,
                        parent=None,
                        filters={},
                        ttl_secs=self.config.default_ttl,
                        owner=user,
                        protected=False,
                    )
                info = await catalog.load_branch(self.control, name)
                if info is None:  # pragma: no cover - deleted between create and load
                    raise BranchDBError(ER.BAD_DB_ERROR, f"branchdb: branch '{name}' vanished")
                logs.event(log, logging.INFO, "branch_created", branch=name, id=info.id)
            return info
