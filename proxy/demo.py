"""`branchdb demo`: the scenario every release must pass, end to end, on a real server.

Alice lives in users_db.users on the shared database. For each branch mode (`empty`, `all`) an
app runs through `branchdb exec` on branch feat-email: its startup migration adds an email
column, it inserts Bob and lists the users. The demo then prints what the branch and the shared
database each show, side by side, and how long creating the branch took.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import click
import pymysql

from branchdb.cow.catalog import CatalogError
from branchdb.proxy.cli_branch import open_lifecycle
from branchdb.proxy.config import UpstreamURL

DEMO_OWNER = "branchdb-demo"


@contextlib.contextmanager
def demo_upstream(url: str | None, private: bool = False) -> Iterator[UpstreamURL]:
    """The configured upstream, else a local server on 3306, else a private one we start."""
    if url and not private:
        yield UpstreamURL.parse(url)
        return
    local = UpstreamURL("127.0.0.1", 3306, "root", "")
    try:
        if private:
            raise pymysql.err.OperationalError(0, "a private server was asked for")
        pymysql.connect(host=local.host, port=local.port, user="root", connect_timeout=2).close()
    except pymysql.err.MySQLError:
        pass
    else:
        click.echo("upstream: local server at 127.0.0.1:3306")
        yield local
        return
    from branchdb.proxy.localserver import PrivateServer

    click.echo("upstream: none configured or reachable; starting a private server ...")
    with PrivateServer() as server:
        click.echo(f"upstream: private {server.flavor} at 127.0.0.1:{server.port}")
        yield UpstreamURL("127.0.0.1", server.port, "root", "")


def _connect(up: UpstreamURL, database: str | None = None) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=up.host,
        port=up.port,
        user=up.user,
        password=up.password,
        database=database,
        autocommit=True,
    )


def seed_shared(up: UpstreamURL, database: str) -> None:
    """users(id, name) holding Alice, refusing to touch a database that holds anything else."""
    conn = _connect(up)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (database,)
        )
        others = [r[0] for r in cur.fetchall() if r[0] != "users"]
        if others:
            raise click.ClickException(
                f"database {database!r} exists with other tables ({', '.join(others)}); "
                "the demo will not touch it: pass --database NAME"
            )
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        cur.execute(f"DROP TABLE IF EXISTS `{database}`.users")
        cur.execute(
            f"CREATE TABLE `{database}`.users (id INT AUTO_INCREMENT PRIMARY KEY, "
            "name VARCHAR(255))"
        )
        cur.execute(f"INSERT INTO `{database}`.users (name) VALUES ('Alice')")
    conn.close()


def shared_view(up: UpstreamURL, database: str) -> dict[str, Any]:
    conn = _connect(up, database)
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM users ORDER BY id")
        columns = [d[0] for d in cur.description]
        rows = [list(r) for r in cur.fetchall()]
        cur.execute("CHECKSUM TABLE users")
        checksum = cur.fetchone()[1]
    conn.close()
    return {"columns": columns, "rows": rows, "checksum": checksum}


async def fresh_branch(up: UpstreamURL, name: str, mode: str) -> float:
    """(Re)create the demo's branch; returns creation time in ms."""
    lifecycle, control = await open_lifecycle(up)
    try:
        old = await lifecycle.get(name)
        if old is not None:
            if old.owner != DEMO_OWNER:
                raise CatalogError(f"branch {name!r} exists and is not the demo's: not touching it")
            await lifecycle.delete(name, force=True)
        started = time.perf_counter()
        await lifecycle.create(name, mode=mode, owner=DEMO_OWNER, ttl_secs=3600)
        return (time.perf_counter() - started) * 1000
    finally:
        control.close()


async def drop_branch(up: UpstreamURL, name: str) -> None:
    lifecycle, control = await open_lifecycle(up)
    try:
        await lifecycle.delete(name, force=True)
    finally:
        control.close()


def run_app(up: UpstreamURL, database: str, branch: str) -> dict[str, Any]:
    """The app, as a real child process, through `branchdb exec` on the branch."""
    env = dict(os.environ)
    env["DB_CONNECTION_URL"] = f"mysql://{up.user}:{up.password}@{up.host}:{up.port}/{database}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "branchdb.proxy",
            "exec",
            "--quiet",
            "--branch",
            branch,
            "--",
            sys.executable,
            "-m",
            "branchdb.proxy.demoapp",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise click.ClickException(f"the app failed on branch {branch}:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def side_by_side(left: list[str], right: list[str], width: int = 44) -> None:
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        click.echo(f"  {a:<{width}} | {b}")


def _fmt_rows(columns: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["  ".join(columns)]
    out += ["  ".join("NULL" if v is None else str(v) for v in r) for r in rows]
    return out


@click.command()
@click.option(
    "--upstream",
    envvar="BRANCHDB_UPSTREAM",
    default=None,
    help="Shared database (default: local 127.0.0.1:3306, else a private server).",
)
@click.option("--database", default="users_db", show_default=True)
@click.option("--keep", is_flag=True, help="Keep the demo branches afterwards.")
@click.option(
    "--private-server",
    is_flag=True,
    help="Run on a throwaway server started in a temporary directory.",
)
def demo(upstream: str | None, database: str, keep: bool, private_server: bool) -> None:
    """Run the feat-email scenario in `empty` and `all` modes and show branch vs shared."""
    failures: list[str] = []
    with demo_upstream(upstream, private_server) as up:
        seed_shared(up, database)
        before = shared_view(up, database)
        for mode in ("empty", "all"):
            branch = "feat-email"
            ms = asyncio.run(fresh_branch(up, branch, mode))
            click.echo(f"\n=== mode {mode}: branch {branch} created in {ms:.1f} ms ===")
            app = run_app(up, database, branch)
            for step in app["steps"]:
                click.echo(f"  app: {step}")
            shared = shared_view(up, database)
            click.echo("")
            side_by_side(
                [f"branch {branch}:", *_fmt_rows(["id", "name", "email"], app["rows"])],
                ["shared database:", *_fmt_rows(shared["columns"], shared["rows"])],
            )
            expected = (
                [[1, "Bob", "bob@example.com"]]
                if mode == "empty"
                else [[1, "Alice", None], [2, "Bob", "bob@example.com"]]
            )
            if app["rows"] != expected:
                failures.append(f"{mode}: branch shows {app['rows']}, expected {expected}")
            if shared != before:
                failures.append(f"{mode}: the shared database changed: {shared} != {before}")
            if not keep:
                asyncio.run(drop_branch(up, branch))
    if failures:
        raise click.ClickException("scenario FAILED:\n  " + "\n  ".join(failures))
    click.echo(
        "\nscenario passed: the branch saw its changes; the shared database is unchanged "
        f"(users: Alice only, no email column, checksum {before['checksum']})."
    )
