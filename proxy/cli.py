"""The `branchdb` command line."""

from __future__ import annotations

import sys

import click

from branchdb.proxy import logs
from branchdb.proxy.config import Config, UpstreamURL, parse_duration, parse_listen


@click.group(
    context_settings={"auto_envvar_prefix": "BRANCHDB", "help_option_names": ["-h", "--help"]}
)
def main() -> None:
    """branchdb: instant copy-on-write branches of a shared MySQL/MariaDB database."""


@main.command()
@click.option(
    "--upstream",
    envvar="BRANCHDB_UPSTREAM",
    required=True,
    help="Shared database, mysql://user:pw@host:port (env BRANCHDB_UPSTREAM).",
)
@click.option(
    "--listen", default="127.0.0.1:3307", show_default=True, help="host:port to listen on."
)
@click.option("--default-branch", default=None, help="Branch for connections that name none.")
@click.option(
    "--branch-separator",
    default="~",
    show_default=True,
    help="Separator between user name and branch in the user name (user~branch).",
)
@click.option("--max-connections", default=1000, show_default=True, type=int)
@click.option(
    "--handshake-timeout",
    default=10.0,
    show_default=True,
    type=float,
    help="Seconds a client may take to send its handshake response.",
)
@click.option(
    "--shutdown-timeout",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds in-flight statements get to finish on SIGTERM.",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
@click.option(
    "--auto-create/--no-auto-create",
    default=True,
    show_default=True,
    help="Create a branch a client names when it does not exist yet.",
)
@click.option(
    "--default-mode",
    default="all",
    show_default=True,
    type=click.Choice(["all", "schema", "empty"]),
    help="Mode of auto-created branches.",
)
@click.option(
    "--default-ttl",
    default=None,
    type=str,
    help="TTL of auto-created branches (e.g. 300s, 2h), counted from the last close.",
)
@click.option(
    "--materialize-below",
    default=1000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Copy a table whole on its first write on a branch when its base has at most this many"
    " rows (reads then need no merging); 0 turns it off.",
)
@click.option("--no-uvloop", is_flag=True, help="Use the plain asyncio event loop.")
def serve(
    upstream: str,
    listen: str,
    default_branch: str | None,
    branch_separator: str,
    max_connections: int,
    handshake_timeout: float,
    shutdown_timeout: float,
    log_level: str,
    auto_create: bool,
    default_mode: str,
    default_ttl: str | None,
    materialize_below: int,
    no_uvloop: bool,
) -> None:
    """Run the proxy."""
    from branchdb.proxy.loops import run
    from branchdb.proxy.server import Server

    logs.setup(log_level)
    try:
        host, port = parse_listen(listen)
        config = Config(
            upstream=UpstreamURL.parse(upstream),
            listen_host=host,
            listen_port=port,
            default_branch=default_branch or None,
            branch_separator=branch_separator,
            max_connections=max_connections,
            handshake_timeout=handshake_timeout,
            shutdown_timeout=shutdown_timeout,
            log_level=log_level,
            auto_create=auto_create,
            default_mode=default_mode,
            default_ttl=parse_duration(default_ttl) if default_ttl else None,
            materialize_below=materialize_below,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc

    async def _main() -> None:
        server = Server(config)
        try:
            version = await server.startup()
        except Exception as exc:
            click.echo(
                f"branchdb: cannot start: upstream {config.upstream.redacted()}: {exc}", err=True
            )
            sys.exit(3)
        assert server.bound is not None
        click.echo(f"branchdb: listening on {server.bound[0]}:{server.bound[1]}")
        click.echo(
            f"branchdb: upstream {config.upstream.host}:{config.upstream.port} version {version}"
        )
        sys.stdout.flush()
        await server.serve()

    run(_main(), use_uvloop=not no_uvloop)


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Benchmarks against direct MySQL (see `branchdb bench --help`)."""
    from branchdb.bench.cli import main as bench_main

    sys.exit(bench_main(list(args)))


def _register() -> None:
    from branchdb.proxy.cli_branch import branch
    from branchdb.proxy.demo import demo
    from branchdb.proxy.execcmd import exec_

    main.add_command(demo)
    main.add_command(branch)
    main.add_command(exec_)


_register()
