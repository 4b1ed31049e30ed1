"""`branchdb branch ...`: the lifecycle of branches, straight against the catalog."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from branchdb.cow.catalog import CatalogError, as_dict
from branchdb.cow.executor import AioMysqlExecutor
from branchdb.cow.lifecycle import BranchUsage, Lifecycle
from branchdb.proxy.config import UpstreamURL, parse_duration

T = TypeVar("T")

upstream_option = click.option(
    "--upstream",
    envvar="BRANCHDB_UPSTREAM",
    required=True,
    help="Shared database, mysql://user:pw@host:port (env BRANCHDB_UPSTREAM).",
)


async def open_lifecycle(upstream: UpstreamURL) -> tuple[Lifecycle, AioMysqlExecutor]:
    from branchdb.cow import catalog

    control = await AioMysqlExecutor.connect(
        upstream.host, upstream.port, upstream.user, upstream.password
    )
    await catalog.ensure_schema(control)
    return Lifecycle(control), control


def with_lifecycle(upstream: str, work: Callable[[Lifecycle], Awaitable[T]]) -> T:
    async def main() -> T:
        lc, control = await open_lifecycle(UpstreamURL.parse(upstream))
        try:
            return await work(lc)
        finally:
            control.close()

    try:
        return asyncio.run(main())
    except CatalogError as exc:
        click.echo(f"branchdb: {exc}", err=True)
        sys.exit(1)


def _usage_dict(u: BranchUsage) -> dict[str, Any]:
    d = as_dict(u.info)
    d.update(overlay_rows=u.overlay_rows, overlay_bytes=u.overlay_bytes, age_secs=u.age_secs)
    d["changed_tables"] = sorted(f"{db}.{t}" for db, t in u.info.tables)
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in d.items()}


def _human_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n //= 1024
    return f"{n} TiB"


def _print_table(usages: list[BranchUsage]) -> None:
    rows = [("NAME", "ID", "MODE", "CHANGED TABLES", "ROWS", "SIZE", "AGE", "EXPIRES", "CONNS")]
    for u in usages:
        b = u.info
        expires = b.expires_at.strftime("%Y-%m-%d %H:%M:%S") if b.expires_at else "-"
        if b.protected:
            expires = "protected"
        rows.append(
            (
                b.name,
                b.id,
                b.mode,
                str(len(b.tables)),
                str(u.overlay_rows),
                _human_bytes(u.overlay_bytes),
                f"{u.age_secs:.0f}s",
                expires,
                str(b.active_connections),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


@click.group()
def branch() -> None:
    """Create, inspect, reset and delete branches."""


@branch.command()
@upstream_option
@click.argument("name")
@click.option("--from", "parent", default=None, help="Branch this one off another branch.")
@click.option(
    "--mode",
    default="all",
    show_default=True,
    type=click.Choice(["all", "schema", "empty", "filtered"]),
    help="all: base rows visible copy-on-write; schema: tables empty; empty: no tables; "
    "filtered: base rows of --filter tables only.",
)
@click.option("--filter", "filters", multiple=True, help="'db.table:WHERE ...' (repeatable).")
@click.option("--ttl", default=None, help="Lifetime after the last connection closes (300s, 2h).")
@click.option("--protected", is_flag=True, help="Never expires, never garbage-collected.")
def create(
    upstream: str,
    name: str,
    parent: str | None,
    mode: str,
    filters: tuple[str, ...],
    ttl: str | None,
    protected: bool,
) -> None:
    """Create branch NAME: a catalog row, milliseconds whatever the database size."""
    parsed: dict[str, str] = {}
    for f in filters:
        table, sep, where = f.partition(":")
        if not sep or not table or not where:
            raise click.BadParameter(
                f"expected 'db.table:WHERE ...', got {f!r}", param_hint="--filter"
            )
        parsed[table.strip()] = where.strip()
    if parsed and mode == "all":
        mode = "filtered"
    started = time.perf_counter()
    info = with_lifecycle(
        upstream,
        lambda lc: lc.create(
            name,
            mode=mode,
            parent=parent,
            filters=parsed,
            ttl_secs=parse_duration(ttl) if ttl else None,
            protected=protected,
        ),
    )
    ms = (time.perf_counter() - started) * 1000
    click.echo(f"created branch {info.name} (id {info.id}, mode {info.mode}) in {ms:.1f} ms")


@branch.command(name="list")
@upstream_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(upstream: str, as_json: bool) -> None:
    """Branches with their changed tables, overlay rows and bytes, age and expiry."""
    usages = with_lifecycle(upstream, lambda lc: lc.list())
    if as_json:
        click.echo(json.dumps([_usage_dict(u) for u in usages], indent=2))
    else:
        _print_table(usages)


@branch.command()
@upstream_option
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def show(upstream: str, name: str, as_json: bool) -> None:
    """One branch in detail."""
    usage = with_lifecycle(upstream, lambda lc: lc.show(name))
    d = _usage_dict(usage)
    if as_json:
        click.echo(json.dumps(d, indent=2))
        return
    for key, value in d.items():
        click.echo(f"{key}: {value}")


@branch.command()
@upstream_option
@click.argument("name")
def reset(upstream: str, name: str) -> None:
    """Drop every change of the branch; the branch stays."""
    with_lifecycle(upstream, lambda lc: lc.reset(name))
    click.echo(f"reset branch {name}")


@branch.command()
@upstream_option
@click.argument("name")
@click.option("--force", is_flag=True, help="Delete even a protected branch.")
def delete(upstream: str, name: str, force: bool) -> None:
    """Delete the branch and its overlay data."""
    with_lifecycle(upstream, lambda lc: lc.delete(name, force=force))
    click.echo(f"deleted branch {name}")


@branch.command()
@upstream_option
@click.argument("name")
@click.option("--off", is_flag=True, help="Remove the protection.")
def protect(upstream: str, name: str, off: bool) -> None:
    """Protect a branch from expiry and deletion."""
    with_lifecycle(upstream, lambda lc: lc.protect(name, not off))
    click.echo(f"{'un' if off else ''}protected branch {name}")


@branch.command()
@upstream_option
def gc(upstream: str) -> None:
    """Delete expired, unprotected branches that have no connections."""
    names = with_lifecycle(upstream, lambda lc: lc.gc())
    click.echo(f"deleted {len(names)} expired branch(es){': ' + ', '.join(names) if names else ''}")
