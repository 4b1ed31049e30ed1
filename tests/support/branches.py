"""Remove the branches a test session created, so runs leave no overlay schemas behind."""

from __future__ import annotations

import asyncio
import contextlib

from branchdb.cow import catalog
from branchdb.cow.catalog import CatalogError
from branchdb.cow.executor import AioMysqlExecutor, UpstreamError
from branchdb.cow.lifecycle import Lifecycle

from .upstream import Upstream


def catalog_now(upstream: Upstream) -> str:
    """The server's clock (branch creation times are the server's)."""
    conn = upstream.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT NOW(6)")
            row = cur.fetchone()
            return str(row[0])
    finally:
        conn.close()


async def _delete_created_since(upstream: Upstream, since: str) -> int:
    control = await AioMysqlExecutor.connect(
        upstream.host, upstream.port, upstream.user, upstream.password
    )
    try:
        await catalog.ensure_schema(control)
        res = await control.query(
            "SELECT id FROM `_branchdb`.branches WHERE created_at >= "
            f"'{since}'"  # the server's own timestamp text, not user input
        )
        lifecycle = Lifecycle(control)
        ids = [(r[0] or b"").decode() for r in res.rows]
        for branch_id in ids:
            with contextlib.suppress(CatalogError, UpstreamError):
                await lifecycle.delete(branch_id, force=True)
        return len(ids)
    finally:
        control.close()


def delete_branches_created_since(upstream: Upstream, since: str) -> int:
    return asyncio.run(_delete_created_since(upstream, since))
