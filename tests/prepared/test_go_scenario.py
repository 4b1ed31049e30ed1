"""The DEVELOPERS.md scenario driven by a real Go program with server-side prepared statements.

go-sql-driver/mysql (Debian's, built offline) prepares every statement, the migration included,
so the whole scenario runs over COM_STMT_PREPARE/EXECUTE/CLOSE on a branch. The same program run
directly against a real copy of the branch must print the same summary, and the shared database
must keep Alice alone, without an email column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.goprog import build_go, run_json

from .helpers import admin, branch

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "go" / "scenario"

USERS_DDL = "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255))"
BOB = "bob@example.com"
EXPECTED: dict[str, dict[str, list[Any]]] = {
    "all": {"users": [[1, "Alice", None], [2, "Bob", BOB]], "insert": [1, 2]},
    "empty": {"users": [[1, "Bob", BOB]], "insert": [1, 1]},
}


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_go(SCENARIO_DIR / "build.sh", tmp_path_factory.mktemp("go") / "scenario")


run_scenario = run_json


def _dsn(user: str, password: str, host: str, port: int, db: str) -> str:
    return f"{user}:{password}@tcp({host}:{port})/{db}"


@pytest.mark.parametrize("mode", ["all", "empty"])
def test_go_scenario_on_branch(
    scenario: Path, upstream: Any, proxy: Any, schema: str, mode: str
) -> None:
    admin(
        upstream,
        f"CREATE TABLE `{schema}`.users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255))",
        f"INSERT INTO `{schema}`.users (name) VALUES ('Alice')",
    )
    with branch(upstream, mode, prefix="feat-email") as name:
        dsn = _dsn(f"{upstream.user}~{name}", upstream.password, proxy.host, proxy.port, schema)
        got = run_scenario(scenario, dsn, mode)
        # A second connection to the branch sees the change too.
        again = run_scenario(scenario, dsn, "empty")  # CREATE TABLE IF NOT EXISTS: a no-op now
    want = {
        "migration": "ok",
        "insert": EXPECTED[mode]["insert"],
        "columns": ["id", "name", "email"],
        "users": EXPECTED[mode]["users"],
        "bob": ["Bob", BOB],
    }
    assert got == want
    assert again["users"][-1][1:] == ["Bob", BOB]
    assert len(again["users"]) == len(EXPECTED[mode]["users"]) + 1
    # The shared database: Alice alone, no email column.
    assert admin(upstream, f"SELECT id, name FROM `{schema}`.users") == [(1, "Alice")]
    columns = admin(upstream, f"SHOW COLUMNS FROM `{schema}`.users")
    assert [c[0] for c in columns] == ["id", "name"]


@pytest.mark.parametrize("mode", ["all", "empty"])
def test_go_scenario_matches_real_copy(
    scenario: Path, upstream: Any, proxy: Any, schema: str, mode: str
) -> None:
    """The same program on a real copy of what the branch starts from prints the same summary."""
    copy = f"{schema}_copy"
    admin(
        upstream,
        f"CREATE TABLE `{schema}`.users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255))",
        f"INSERT INTO `{schema}`.users (name) VALUES ('Alice')",
    )
    admin(upstream, f"CREATE DATABASE `{copy}`")
    try:
        if mode == "all":
            admin(
                upstream,
                f"CREATE TABLE `{copy}`.users LIKE `{schema}`.users",
                f"INSERT INTO `{copy}`.users SELECT * FROM `{schema}`.users",
            )
        real = run_scenario(
            scenario,
            _dsn(upstream.user, upstream.password, upstream.host, upstream.port, copy),
            mode,
        )
    finally:
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    with branch(upstream, mode, prefix="feat-email") as name:
        dsn = _dsn(f"{upstream.user}~{name}", upstream.password, proxy.host, proxy.port, schema)
        got = run_scenario(scenario, dsn, mode)
    assert got == real
