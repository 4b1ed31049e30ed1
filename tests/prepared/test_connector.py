"""mysql-connector-python with ``prepared=True`` (pure Python and C extension) on a branch.

Each test runs the same steps (``connector_steps``) on a branch through the proxy and on a real
copy of what the branch starts from, directly, and compares everything the driver reports.
Connections run with autocommit=1: with autocommit=0 a first write in a transaction can fail with
1412 until the engine fix lands (tests/clients/test_branches.py AUTOCOMMIT_OFF_BUG).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from . import connector_steps
from .helpers import admin, branch, connector

RUNNER = Path(__file__).with_name("cext_runner.py")


def run(
    impl: str, host: str, port: int, user: str, password: str, db: str, step: str, *args: Any
) -> dict[str, Any]:
    if impl == "pure":
        conn = connector(host, port, user, password, db, pure=True)
        try:
            result: dict[str, Any] = getattr(connector_steps, step)(conn, *args)
            return result
        finally:
            conn.close()
    spec = {
        "host": host,
        "port": port,
        "user": user,
        "password": password,
        "database": db,
        "step": step,
        "args": list(args),
    }
    done = subprocess.run(
        [sys.executable, str(RUNNER), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"C-extension runner failed:\n{done.stderr}"
    out = json.loads(done.stdout)
    assert out["class"] == "CMySQLConnection"
    cext: dict[str, Any] = out["result"]
    return cext


def on_real_copy(upstream: Any, impl: str, db: str, step: str, *args: Any) -> dict[str, Any]:
    return run(
        impl, upstream.host, upstream.port, upstream.user, upstream.password, db, step, *args
    )


def on_branch(
    upstream: Any, proxy: Any, name: str, impl: str, db: str, step: str, *args: Any
) -> dict[str, Any]:
    return run(
        impl, proxy.host, proxy.port, f"{upstream.user}~{name}", upstream.password, db, step, *args
    )


@pytest.mark.parametrize("impl", ["pure", "cext"])
@pytest.mark.parametrize("mode", ["all", "empty"])
def test_scenario_matches_real_copy(
    upstream: Any, proxy: Any, schema: str, mode: str, impl: str
) -> None:
    admin(
        upstream,
        f"USE `{schema}`",
        connector_steps.USERS,
        "INSERT INTO users (name) VALUES ('Alice')",
    )
    copy = f"{schema}_copy"
    admin(upstream, f"CREATE DATABASE `{copy}`")
    try:
        if mode == "all":
            admin(
                upstream,
                f"CREATE TABLE `{copy}`.users LIKE `{schema}`.users",
                f"INSERT INTO `{copy}`.users SELECT * FROM `{schema}`.users",
            )
        want = on_real_copy(upstream, impl, copy, "scenario", mode)
    finally:
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    with branch(upstream, mode) as name:
        got = on_branch(upstream, proxy, name, impl, schema, "scenario", mode)
    assert got == want
    assert want["list"]["rows"]  # the comparison saw rows
    assert admin(upstream, f"SELECT * FROM `{schema}`.users") == [(1, "Alice")]


@pytest.mark.parametrize("impl", ["pure", "cext"])
def test_parameter_values_match_real_copy(
    upstream: Any, proxy: Any, schema: str, impl: str
) -> None:
    copy = f"{schema}_copy"
    admin(upstream, f"USE `{schema}`", connector_steps.VALS, "INSERT INTO vals (i) VALUES (1)")
    admin(
        upstream,
        f"CREATE DATABASE `{copy}`",
        f"CREATE TABLE `{copy}`.vals LIKE `{schema}`.vals",
        f"INSERT INTO `{copy}`.vals SELECT * FROM `{schema}`.vals",
    )
    try:
        want = on_real_copy(upstream, impl, copy, "values_round_trip", impl == "cext")
    finally:
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    with branch(upstream, "all") as name:
        got = on_branch(upstream, proxy, name, impl, schema, "values_round_trip", impl == "cext")
    assert got == want
    assert "errno" not in want["insert"], want
    if impl == "pure":  # the C extension cannot send a file object as long data (-1, direct too)
        assert "errno" not in want["long_data"], want
    assert admin(upstream, f"SELECT COUNT(*) FROM `{schema}`.vals") == [(1,)]


def test_prepared_ddl_matches_real_copy(upstream: Any, proxy: Any, schema: str) -> None:
    copy = f"{schema}_copy"
    admin(
        upstream,
        f"USE `{schema}`",
        connector_steps.USERS,
        "INSERT INTO users (name) VALUES ('Alice')",
    )
    admin(
        upstream,
        f"CREATE DATABASE `{copy}`",
        f"CREATE TABLE `{copy}`.users LIKE `{schema}`.users",
        f"INSERT INTO `{copy}`.users SELECT * FROM `{schema}`.users",
    )
    try:
        want = on_real_copy(upstream, "pure", copy, "ddl")
    finally:
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    with branch(upstream, "all") as name:
        got = on_branch(upstream, proxy, name, "pure", schema, "ddl")
    assert got == want
    assert want["read"]["rows"] == [["'Alice'", "30"]]
    assert admin(upstream, f"SHOW TABLES FROM `{schema}`") == [("users",)]
    assert [c[0] for c in admin(upstream, f"SHOW COLUMNS FROM `{schema}`.users")] == ["id", "name"]
