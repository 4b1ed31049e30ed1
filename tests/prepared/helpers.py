"""Shared helpers of the prepared-statement tests: branches by mode, admin SQL, connector links."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mysql.connector

from branchdb.cow.executor import AioMysqlExecutor
from branchdb.cow.lifecycle import Lifecycle


def branch_name(prefix: str = "ps") -> str:
    """A unique branch name: branches persist in the catalog between tests."""
    return f"{prefix}-{secrets.token_hex(4)}"


def _lifecycle(upstream: Any, work: Any) -> Any:
    async def main() -> Any:
        control = await AioMysqlExecutor.connect(
            host=upstream.host, port=upstream.port, user=upstream.user, password=upstream.password
        )
        try:
            return await work(Lifecycle(control))
        finally:
            control.close()

    return asyncio.run(main())


def create_branch(upstream: Any, name: str, mode: str) -> None:
    async def work(lc: Lifecycle) -> None:
        await lc.create(name, mode)

    _lifecycle(upstream, work)


def delete_branch(upstream: Any, name: str) -> None:
    async def work(lc: Lifecycle) -> None:
        await lc.delete(name, force=True)

    _lifecycle(upstream, work)


@contextmanager
def branch(upstream: Any, mode: str | None = None, prefix: str = "ps") -> Iterator[str]:
    """A fresh branch (created in `mode` now, or auto-created on first connect), then deleted."""
    name = branch_name(prefix)
    if mode is not None:
        create_branch(upstream, name, mode)
    try:
        yield name
    finally:
        try:
            delete_branch(upstream, name)
        except Exception:  # never created: no connection reached it
            pass


def admin(upstream: Any, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements directly on the upstream as the admin user; the last one's rows."""
    conn = upstream.connect(autocommit=True)
    rows: list[tuple[Any, ...]] = []
    try:
        with conn.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
                rows = list(cur.fetchall())
    finally:
        conn.close()
    return rows


def connector(
    host: str, port: int, user: str, password: str, db: str | None, *, pure: bool = True
) -> Any:
    """mysql-connector-python with autocommit on (see the 1412 note in test_connector)."""
    return mysql.connector.connect(
        host=host,
        port=port,
        user=user,
        password=password,
        database=db,
        autocommit=True,
        use_pure=pure,
        connection_timeout=10,
    )


def on_branch(proxy: Any, upstream: Any, name: str, db: str | None, *, pure: bool = True) -> Any:
    return connector(
        proxy.host, proxy.port, f"{upstream.user}~{name}", upstream.password, db, pure=pure
    )


def direct(upstream: Any, db: str | None, *, pure: bool = True) -> Any:
    return connector(upstream.host, upstream.port, upstream.user, upstream.password, db, pure=pure)
