"""Picking a branch from an unmodified client: ``user~branch`` or the ``branch`` attribute.

Until copy-on-write lands, a branch session reads the base tables and every write is refused
with ERR 1235 / SQLSTATE 42000 (DESIGN.md §6): nothing may reach the base, and the connection
must stay usable afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pymysql
import pytest
import sqlalchemy as sa

from .connector_drivers import RUNNERS
from .endpoints import Endpoint

BRANCH = "clients-feat"
BASE_ROWS = ((1, "one"), (2, "two"))


@pytest.fixture
def base_table(upstream: Any, schema: str) -> str:
    conn = upstream.connect(autocommit=True, database=schema)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE base (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20))")
            cur.execute("INSERT INTO base (name) VALUES ('one'), ('two')")
    finally:
        conn.close()
    return schema


def _base_rows(upstream: Any, schema: str) -> tuple[tuple[Any, ...], ...]:
    conn = upstream.connect(database=schema)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name FROM base ORDER BY id")
            return tuple(cur.fetchall())
    finally:
        conn.close()


def _plain_user(upstream: Any) -> str:
    conn = upstream.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            return str(cur.fetchone()[0])
    finally:
        conn.close()


def _pymysql_branch_checks(conn: Any, schema: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        out["current_user"] = cur.fetchone()[0]
        cur.execute(f"SELECT id, name FROM `{schema}`.base ORDER BY id")
        out["rows"] = cur.fetchall()
        try:
            cur.execute(f"INSERT INTO `{schema}`.base (name) VALUES ('from branch')")
            out["insert"] = "accepted"
        except pymysql.err.MySQLError as e:
            out["insert"] = e.args[0]
        cur.execute("SELECT 'still usable'")
        out["after"] = cur.fetchone()[0]
    return out


def test_user_suffix_pymysql(
    via_proxy: Endpoint, upstream: Any, base_table: str, make_user: Any
) -> None:
    user = make_user()
    for name, password, expected_user in (
        (via_proxy.user, via_proxy.password, _plain_user(upstream)),
        (user.name, user.password, f"{user.name}@%"),
    ):
        conn = via_proxy.as_user(f"{name}~{BRANCH}", password).pymysql()
        try:
            out = _pymysql_branch_checks(conn, base_table)
        finally:
            conn.close()
        assert out == {
            "current_user": expected_user,
            "rows": BASE_ROWS,
            "insert": 1235,
            "after": "still usable",
        }
    assert _base_rows(upstream, base_table) == BASE_ROWS


def test_connection_attribute_pymysql(proxy: Any, upstream: Any, base_table: str) -> None:
    """PyMySQL has no public API for extra attributes; ``proxy.connect(branch=...)`` adds it."""
    conn = proxy.connect(branch=BRANCH)
    try:
        out = _pymysql_branch_checks(conn, base_table)
    finally:
        conn.close()
    assert out == {
        "current_user": _plain_user(upstream),
        "rows": BASE_ROWS,
        "insert": 1235,
        "after": "still usable",
    }
    assert _base_rows(upstream, base_table) == BASE_ROWS


@pytest.mark.parametrize("impl", ["pure", "cext"])
@pytest.mark.parametrize("how", ["user-suffix", "attribute"])
def test_mysql_connector(
    via_proxy: Endpoint, upstream: Any, base_table: str, impl: str, how: str
) -> None:
    target = via_proxy
    attrs = None
    if how == "user-suffix":
        target = via_proxy.as_user(f"{via_proxy.user}~{BRANCH}", via_proxy.password)
    else:
        attrs = {"branch": BRANCH}
    out = RUNNERS[impl](target, "branch_session", base_table, conn_attrs=attrs)
    refused = [1235, "42000"]
    assert out == {
        "current_user": _plain_user(upstream),
        "rows": [[repr(i), repr(n)] for i, n in BASE_ROWS],
        "writes": [refused, refused, refused],
        "prepared_write": refused,
        "prepared_read": [["2"]],
        "after": "still usable",
    }
    assert _base_rows(upstream, base_table) == BASE_ROWS


def test_default_branch_flag(make_proxy: Any, upstream: Any, base_table: str) -> None:
    """``--default-branch`` puts a connection that names no branch on that branch."""
    proc = make_proxy("--default-branch", BRANCH)
    conn = proc.connect()
    try:
        out = _pymysql_branch_checks(conn, base_table)
    finally:
        conn.close()
    assert out["insert"] == 1235
    assert out["rows"] == BASE_ROWS
    assert _base_rows(upstream, base_table) == BASE_ROWS


def test_cli_user_suffix(via_proxy: Endpoint, upstream: Any, base_table: str) -> None:
    client = shutil.which("mariadb") or shutil.which("mysql")
    assert client, "no mariadb/mysql command-line client on PATH"
    target = via_proxy.as_user(f"{via_proxy.user}~{BRANCH}", via_proxy.password)
    done = subprocess.run(
        [
            client,
            *target.cli_args(),
            f"--database={base_table}",
            "--batch",
            "--skip-column-names",
            "-e",
            "SELECT CURRENT_USER(); SELECT name FROM base ORDER BY id; "
            "INSERT INTO base (name) VALUES ('cli')",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.stdout == f"{_plain_user(upstream)}\none\ntwo\n"
    assert done.returncode == 1
    assert "ERROR 1235 (42000) at line 1: branchdb: " in done.stderr, done.stderr
    assert _base_rows(upstream, base_table) == BASE_ROWS


def test_sqlalchemy_url_user_suffix(via_proxy: Endpoint, upstream: Any, base_table: str) -> None:
    target = via_proxy.as_user(f"{via_proxy.user}~{BRANCH}", via_proxy.password)
    engine = sa.create_engine(target.sqlalchemy_url(base_table))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, name FROM base ORDER BY id")).all()
            with pytest.raises(sa.exc.DBAPIError) as info:
                conn.execute(sa.text("INSERT INTO base (name) VALUES (:n)"), {"n": "orm"})
            orig = info.value.orig
            assert orig is not None
            assert orig.args[0] == 1235
            conn.rollback()
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == list(BASE_ROWS)
    assert _base_rows(upstream, base_table) == BASE_ROWS
