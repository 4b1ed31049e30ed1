"""Branch lifecycle: create, list, show, reset, delete, gc, and connection accounting for TTL.

TTL counts from the moment the last connection to a branch closes (as mirrord): while a branch
has connections, `expires_at` is NULL; when the count drops to zero it becomes now + ttl.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from . import catalog
from .catalog import BranchInfo, CatalogError
from .executor import Executor, quote_ident, quote_str, text
from .naming import OVERLAY_PREFIX

_C = "`_branchdb`"


@dataclass(frozen=True)
class BranchUsage:
    info: BranchInfo
    overlay_rows: int
    overlay_bytes: int
    age_secs: float


class Lifecycle:
    def __init__(self, control: Executor) -> None:
        self.control = control

    async def create(
        self,
        name: str,
        mode: str = "all",
        parent: str | None = None,
        filters: dict[str, str] | None = None,
        ttl_secs: int | None = None,
        owner: str = "",
        protected: bool = False,
    ) -> BranchInfo:
        """A catalog insert only: milliseconds whatever the size of the database."""
        parent_id = None
        if parent is not None:
            p = await catalog.load_branch(self.control, parent)
            if p is None:
                raise CatalogError(f"no branch {parent!r}")
            parent_id = p.id
        await catalog.insert_branch(
            self.control,
            name,
            mode,
            parent=parent_id,
            filters=filters or {},
            ttl_secs=ttl_secs,
            owner=owner,
            protected=protected,
        )
        info = await catalog.load_branch(self.control, name)
        assert info is not None
        return info

    async def get(self, name_or_id: str) -> BranchInfo | None:
        return await catalog.load_branch(self.control, name_or_id)

    async def show(self, name_or_id: str) -> BranchUsage:
        info = await self._must(name_or_id)
        return await self._usage(info)

    async def list(self) -> builtins.list[BranchUsage]:
        return [await self._usage(b) for b in await catalog.list_branches(self.control)]

    async def _usage(self, info: BranchInfo) -> BranchUsage:
        prefix = f"{OVERLAY_PREFIX}{info.id}_"
        res = await self.control.query(
            "SELECT COALESCE(SUM(TABLE_ROWS), 0), COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0),"
            " TIMESTAMPDIFF(MICROSECOND, "
            f"(SELECT created_at FROM {_C}.branches WHERE id = {quote_str(info.id)}), NOW(6))"
            " FROM information_schema.TABLES"
            f" WHERE LEFT(TABLE_SCHEMA, {len(prefix)}) = {quote_str(prefix)}"
            " AND TABLE_NAME NOT LIKE '\\_bdbt\\_%'"
        )
        rows, size, age = (text(v) for v in res.rows[0])
        return BranchUsage(info, int(rows or 0), int(size or 0), int(age or 0) / 1e6)

    async def _must(self, name_or_id: str) -> BranchInfo:
        info = await catalog.load_branch(self.control, name_or_id)
        if info is None:
            raise CatalogError(f"no branch {name_or_id!r}")
        return info

    async def _overlay_dbs(self, info: BranchInfo) -> builtins.list[str]:
        prefix = f"{OVERLAY_PREFIX}{info.id}_"  # exact prefix: LIKE's _ would match anything
        res = await self.control.query(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"
            f" WHERE LEFT(SCHEMA_NAME, {len(prefix)}) = {quote_str(prefix)}"
        )
        return [text(r[0]) or "" for r in res.rows]

    async def reset(self, name_or_id: str) -> None:
        """Drop every change of the branch; the branch itself stays."""
        info = await self._must(name_or_id)
        for db in await self._overlay_dbs(info):
            await self.control.query(f"DROP DATABASE IF EXISTS {quote_ident(db)}")
        await catalog.in_transaction(
            self.control,
            [
                f"DELETE FROM {_C}.branch_tables WHERE branch_id = {quote_str(info.id)}",
                f"DELETE FROM {_C}.branch_databases WHERE branch_id = {quote_str(info.id)}",
            ],
        )

    async def delete(self, name_or_id: str, *, force: bool = False) -> None:
        info = await self._must(name_or_id)
        if info.protected and not force:
            raise CatalogError(f"branch {info.name!r} is protected")
        await self.reset(info.id)
        await catalog.in_transaction(
            self.control, [f"DELETE FROM {_C}.branches WHERE id = {quote_str(info.id)}"]
        )

    async def protect(self, name_or_id: str, protected: bool = True) -> None:
        info = await self._must(name_or_id)
        await catalog.in_transaction(
            self.control,
            [
                f"UPDATE {_C}.branches SET protected = {1 if protected else 0}"
                f" WHERE id = {quote_str(info.id)}"
            ],
        )

    async def gc(self) -> builtins.list[str]:
        """Delete expired, unprotected branches without connections; returns their names."""
        res = await self.control.query(
            f"SELECT name FROM {_C}.branches WHERE expires_at IS NOT NULL"
            " AND expires_at <= NOW(6) AND protected = 0 AND active_connections = 0"
        )
        names = [text(r[0]) or "" for r in res.rows]
        for name in names:
            await self.delete(name)
        return names

    async def connected(self, name_or_id: str) -> None:
        """A connection opened on the branch: it does not expire while connections remain."""
        info = await self._must(name_or_id)
        await catalog.in_transaction(
            self.control,
            [
                f"UPDATE {_C}.branches SET active_connections = active_connections + 1,"
                f" last_used_at = NOW(6), expires_at = NULL WHERE id = {quote_str(info.id)}"
            ],
        )

    async def disconnected(self, name_or_id: str) -> None:
        """A connection closed: when it was the last one, the TTL starts counting."""
        info = await self._must(name_or_id)
        await catalog.in_transaction(
            self.control,
            [
                f"UPDATE {_C}.branches SET"
                " active_connections = GREATEST(active_connections - 1, 0),"
                " last_used_at = NOW(6),"
                " expires_at = IF(active_connections = 0 AND ttl_secs IS NOT NULL,"
                " NOW(6) + INTERVAL ttl_secs SECOND, NULL)"
                f" WHERE id = {quote_str(info.id)}"
            ],
        )
