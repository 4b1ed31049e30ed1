"""Remove the branches a test session created, so runs leave no overlay schemas behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

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


class SessionRegistry:
    """Test sessions that may run side by side on one server (developers, parallel helpers).

    Each session deletes the branches it created, but "created since I started" also matches
    the branches of a session still running beside it, whose tests would then meet error 1146
    mid-run. So a session that ends while another is alive only records its start time; the
    last one to end deletes for all of them.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.dir = directory or Path(tempfile.gettempdir()) / "branchdb-test-sessions"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.mine = self.dir / f"{os.getpid()}.running"

    def started(self, since: str) -> None:
        self.mine.write_text(since)

    def finished(self) -> str | None:
        """The earliest start time to clean up from, or None while other sessions still run."""
        done = self.dir / f"{os.getpid()}.done"
        self.mine.rename(done)
        for running in self.dir.glob("*.running"):
            if _alive(int(running.stem)):
                return None
            running.rename(running.with_suffix(".done"))  # a session that died without cleanup
        records = list(self.dir.glob("*.done"))
        since = min(r.read_text() for r in records)
        for r in records:
            r.unlink(missing_ok=True)
        return since


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
