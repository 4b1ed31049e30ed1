"""`branchdb exec`: run one command against a private proxy on a branch (the mirrord flow).

Creates or attaches the branch, serves a proxy on a free loopback port whose default branch is
that branch, points the command's connection variable at it (user, password, database and
parameters unchanged), runs the command, and leaves the branch to its TTL when the command exits.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from dataclasses import replace
from pathlib import Path

import click

from branchdb.cow.catalog import CatalogError
from branchdb.proxy import logs
from branchdb.proxy.cli_branch import open_lifecycle
from branchdb.proxy.config import Config, UpstreamURL, parse_duration
from branchdb.proxy.dsn import DSNError, parse_dsn, point_at
from branchdb.proxy.mirrord import BranchRequest, MirrordConfigError, read_mirrord

#: Where mirrord looks for its configuration when none is named.
MIRRORD_DEFAULTS = (Path(".mirrord/mirrord.json"), Path("mirrord.json"))


def _request(
    config_path: Path | None,
    variable: str,
    branch: str | None,
    mode: str | None,
    ttl: str | None,
) -> BranchRequest:
    """Flags win over mirrord.json; mirrord.json wins over defaults."""
    from_file: BranchRequest | None = None
    path = config_path or next((p for p in MIRRORD_DEFAULTS if p.is_file()), None)
    if path is not None:
        from_file = read_mirrord(path, variable)
    base = from_file or BranchRequest(None, None, variable, "all", None)
    return replace(
        base,
        branch_id=branch or base.branch_id,
        mode=mode or base.mode,
        ttl_secs=parse_duration(ttl) if ttl else base.ttl_secs,
    )


async def _run(
    request: BranchRequest, upstream: UpstreamURL, dsn: str, command: tuple[str, ...], quiet: bool
) -> int:
    from branchdb.proxy.server import Server

    name = request.branch_id or f"exec-{secrets.token_hex(3)}"
    lifecycle, control = await open_lifecycle(upstream)
    try:
        info = await lifecycle.get(name)
        if info is None:
            info = await lifecycle.create(
                name, mode=request.mode, filters=request.filters, ttl_secs=request.ttl_secs
            )
            what = "created"
        else:
            what = "attached"
    finally:
        control.close()
    config = Config(
        upstream=upstream,
        listen_host="127.0.0.1",
        listen_port=0,
        default_branch=info.name,
        auto_create=False,
        shutdown_timeout=5.0,
    )
    server = Server(config)
    await server.startup()
    assert server.bound is not None
    host, port = server.bound
    env = dict(os.environ)
    env[request.variable] = point_at(dsn, host, port)
    if not quiet:
        click.echo(
            f"branchdb: {what} branch {info.name} (mode {info.mode}); "
            f"{request.variable} -> {host}:{port}",
            err=True,
        )
    serving = asyncio.get_running_loop().create_task(server.serve())
    child = await asyncio.create_subprocess_exec(*command, env=env)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # the child decides how to end; we wait for it
        loop.add_signal_handler(sig, child.send_signal, sig)
    code = await child.wait()
    server.request_stop()
    await serving
    return code if code >= 0 else 128 - code


@click.command(
    name="exec",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--branch", default=None, help="Branch name or id (default: mirrord id or new).")
@click.option(
    "--mode", default=None, type=click.Choice(["all", "schema", "empty"]), help="For a new branch."
)
@click.option("--ttl", default=None, help="Lifetime after the command exits (300s, 2h).")
@click.option(
    "--env",
    "variable",
    default="DB_CONNECTION_URL",
    show_default=True,
    help="Environment variable holding the connection URL or Go DSN.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="mirrord.json with feature.db_branches (default: .mirrord/mirrord.json if present).",
)
@click.option(
    "--upstream",
    default=None,
    help="Account that owns the catalog (default: the URL in the variable itself).",
)
@click.option("--quiet", is_flag=True, help="Print nothing of branchdb's own.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def exec_(
    branch: str | None,
    mode: str | None,
    ttl: str | None,
    variable: str,
    config_path: Path | None,
    upstream: str | None,
    quiet: bool,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND with its database connection going through a branch."""
    logs.setup("warning")
    try:
        request = _request(config_path, variable, branch, mode, ttl)
    except (MirrordConfigError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    dsn = os.environ.get(request.variable)
    if not dsn:
        raise click.UsageError(
            f"${request.variable} is not set: it must hold the database URL the command uses"
        )
    try:
        parsed = parse_dsn(dsn)
    except DSNError as exc:
        raise click.UsageError(f"${request.variable}: {exc}") from exc
    target = UpstreamURL.parse(upstream) if upstream else parsed.upstream()
    try:
        code = asyncio.run(_run(request, target, dsn, command, quiet))
    except CatalogError as exc:
        click.echo(f"branchdb: {exc}", err=True)
        sys.exit(1)
    except FileNotFoundError as exc:
        click.echo(f"branchdb: cannot run {command[0]!r}: {exc.strerror}", err=True)
        sys.exit(127)
    sys.exit(code)
