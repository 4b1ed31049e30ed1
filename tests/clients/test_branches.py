"""Picking a branch from an unmodified client: ``user~branch`` or the ``branch`` attribute.

On a branch a client authenticates as the plain user, reads the base tables, and its writes land
in the branch's overlay: visible on that branch, never in the shared database (DESIGN.md §1, §6).
What the proxy cannot do yet must be refused with ERR 1235 / SQLSTATE 42000, write nothing and
leave the connection usable. Server-side prepared statements work on a branch (tests/prepared).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from typing import Any

import mysql.connector
import pymysql
import pytest
import sqlalchemy as sa

from .connector_drivers import RUNNERS
from .endpoints import Endpoint

BASE_ROWS = ((1, "one"), (2, "two"))
#: What the branch holds after the write sequence of ``_pymysql_branch_checks``.
BRANCH_ROWS = ((1, "one"), (2, "two"), (3, "from branch"))


@pytest.fixture
def branch() -> str:
    """A fresh branch name per test: branches persist in the catalog between tests."""
    return f"cl-{secrets.token_hex(4)}"


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


def _rows_of(target: Any, schema: str) -> tuple[tuple[Any, ...], ...]:
    """Rows of ``base`` as seen by ``target`` (the upstream, or an Endpoint)."""
    conn = (
        target.connect(database=schema)
        if hasattr(target, "flavor")
        else target.pymysql(database=schema)
    )
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


def _on(endpoint: Endpoint, branch: str) -> Endpoint:
    return endpoint.as_user(f"{endpoint.user}~{branch}", endpoint.password)


def _pymysql_branch_checks(conn: Any, schema: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        out["current_user"] = cur.fetchone()[0]
        cur.execute(f"SELECT id, name FROM `{schema}`.base ORDER BY id")
        out["before"] = cur.fetchall()
        try:
            cur.execute(f"INSERT INTO `{schema}`.base (name) VALUES ('from branch')")
            out["insert"] = (cur.rowcount, cur.lastrowid)
        except pymysql.err.MySQLError as e:
            out["insert"] = e.args
        try:
            cur.execute(f"SELECT id, name FROM `{schema}`.base ORDER BY id")
            out["after"] = cur.fetchall()
        except pymysql.err.MySQLError as e:
            out["after"] = e.args
        cur.execute("SELECT 'still usable'")
        out["usable"] = cur.fetchone()[0]
    return out


def _expected_checks(user: str) -> dict[str, Any]:
    return {
        "current_user": user,
        "before": BASE_ROWS,
        "insert": (1, 3),
        "after": BRANCH_ROWS,
        "usable": "still usable",
    }


def test_user_suffix_pymysql(
    via_proxy: Endpoint, upstream: Any, base_table: str, branch: str
) -> None:
    conn = _on(via_proxy, branch).pymysql(autocommit=True)
    try:
        out = _pymysql_branch_checks(conn, base_table)
    finally:
        conn.close()
    assert out == _expected_checks(_plain_user(upstream))
    assert _rows_of(upstream, base_table) == BASE_ROWS
    assert _rows_of(via_proxy, base_table) == BASE_ROWS  # no branch: the shared database


def test_user_with_schema_grants_only(
    via_proxy: Endpoint, upstream: Any, base_table: str, make_user: Any, branch: str
) -> None:
    """An application user has rights on its own schema only, not on ``_bdb_*`` overlays."""
    user = make_user()
    conn = via_proxy.as_user(f"{user.name}~{branch}", user.password).pymysql(autocommit=True)
    try:
        out = _pymysql_branch_checks(conn, base_table)
    finally:
        conn.close()
    assert out == _expected_checks(f"{user.name}@%")
    assert _rows_of(upstream, base_table) == BASE_ROWS


def test_connection_attribute_pymysql(
    proxy: Any, via_proxy: Endpoint, upstream: Any, base_table: str, branch: str
) -> None:
    """PyMySQL has no public API for extra attributes; ``proxy.connect(branch=...)`` adds it."""
    conn = proxy.connect(branch=branch, autocommit=True)
    try:
        out = _pymysql_branch_checks(conn, base_table)
    finally:
        conn.close()
    assert out == _expected_checks(_plain_user(upstream))
    assert _rows_of(upstream, base_table) == BASE_ROWS
    assert _rows_of(_on(via_proxy, branch), base_table) == BRANCH_ROWS
    assert _rows_of(_on(via_proxy, branch + "-other"), base_table) == BASE_ROWS


def test_autocommit_off_transaction(
    via_proxy: Endpoint, upstream: Any, base_table: str, branch: str
) -> None:
    """Drivers default to autocommit=0 (PyMySQL, mysql-connector, SQLAlchemy)."""
    conn = _on(via_proxy, branch).pymysql(autocommit=False)
    try:
        out = _pymysql_branch_checks(conn, base_table)
        conn.commit()
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO `{base_table}`.base (name) VALUES ('rolled back')")
        conn.rollback()
    finally:
        conn.close()
    assert out == _expected_checks(_plain_user(upstream))
    assert _rows_of(_on(via_proxy, branch), base_table) == BRANCH_ROWS
    assert _rows_of(upstream, base_table) == BASE_ROWS


@pytest.mark.parametrize("impl", ["pure", "cext"])
@pytest.mark.parametrize("how", ["user-suffix", "attribute"])
def test_mysql_connector(
    via_proxy: Endpoint, upstream: Any, base_table: str, branch: str, impl: str, how: str
) -> None:
    target = _on(via_proxy, branch) if how == "user-suffix" else via_proxy
    attrs = {"branch": branch} if how == "attribute" else None
    out = RUNNERS[impl](target, "branch_session", base_table, conn_attrs=attrs)
    assert out == {
        "current_user": _plain_user(upstream),
        "prepared_read_clean": [["2"]],
        "writes": [[1, 3], [1, 0], [1, 0]],
        "rows": [["1", "'changed'"], ["3", "'from branch'"]],
        # Server-side prepared writes land on the branch (issue 6). mysql-connector keeps the
        # previous SELECT's description after a prepared INSERT (direct as well), so the
        # scenario records fetchall() of the INSERT: [].
        "prepared_write": [],
        "prepared_read_changed": [["3"]],  # the prepared read sees the branch's rows
        "after": "still usable",
    }
    assert _rows_of(upstream, base_table) == BASE_ROWS


def test_default_branch_flag(
    make_proxy: Any, via_proxy: Endpoint, upstream: Any, base_table: str, branch: str
) -> None:
    """``--default-branch`` puts a connection that names no branch on that branch."""
    proc = make_proxy("--default-branch", branch)
    conn = proc.connect(autocommit=True)
    try:
        out = _pymysql_branch_checks(conn, base_table)
    finally:
        conn.close()
    assert out == _expected_checks(_plain_user(upstream))
    assert _rows_of(upstream, base_table) == BASE_ROWS
    assert _rows_of(_on(via_proxy, branch), base_table) == BRANCH_ROWS


def test_cli_user_suffix(via_proxy: Endpoint, upstream: Any, base_table: str, branch: str) -> None:
    client = shutil.which("mariadb") or shutil.which("mysql")
    assert client, "no mariadb/mysql command-line client on PATH"
    done = subprocess.run(
        [
            client,
            *_on(via_proxy, branch).cli_args(),
            f"--database={base_table}",
            "--batch",
            "--skip-column-names",
            "-e",
            "SELECT CURRENT_USER(); INSERT INTO base (name) VALUES ('from branch'); "
            "SELECT id, name FROM base ORDER BY id",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{_plain_user(upstream)}\n1\tone\n2\ttwo\n3\tfrom branch\n"
    assert _rows_of(upstream, base_table) == BASE_ROWS


def test_sqlalchemy_url_user_suffix(
    via_proxy: Endpoint, upstream: Any, base_table: str, branch: str
) -> None:
    engine = sa.create_engine(_on(via_proxy, branch).sqlalchemy_url(base_table))
    try:
        with engine.begin() as conn:
            before = conn.execute(sa.text("SELECT id, name FROM base ORDER BY id")).all()
            conn.execute(sa.text("INSERT INTO base (name) VALUES (:n)"), {"n": "from branch"})
        with engine.connect() as conn:
            after = conn.execute(sa.text("SELECT id, name FROM base ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in before] == list(BASE_ROWS)
    assert [tuple(r) for r in after] == list(BRANCH_ROWS)
    assert _rows_of(upstream, base_table) == BASE_ROWS


def test_change_user_switches_branch(
    via_proxy: Endpoint, upstream: Any, base_table: str, branch: str
) -> None:
    """COM_CHANGE_USER with ``user~branch`` moves the session onto the branch and back off it."""
    conn = via_proxy.connector(use_pure=True, autocommit=True, database=base_table)
    try:
        cur = conn.cursor()
        conn.cmd_change_user(
            username=f"{via_proxy.user}~{branch}", password=via_proxy.password, database=base_table
        )
        cur.execute("SET autocommit = 1")
        cur.execute("SELECT CURRENT_USER(), DATABASE()")
        on_branch = cur.fetchone()
        cur.execute("INSERT INTO base (name) VALUES ('from branch')")
        assert _rows_of(upstream, base_table) == BASE_ROWS
        conn.cmd_change_user(
            username=via_proxy.user, password=via_proxy.password, database=base_table
        )
        cur.execute("SET autocommit = 1")
        cur.execute("INSERT INTO base (name) VALUES ('shared')")  # back on the shared database
        cur.close()
    except mysql.connector.Error as e:
        pytest.fail(f"{e.errno} {e.sqlstate} {e.msg}")
    finally:
        conn.close()
    assert on_branch == (_plain_user(upstream), base_table)
    assert _rows_of(upstream, base_table) == (*BASE_ROWS, (3, "shared"))
    assert _rows_of(_on(via_proxy, branch), base_table) == BRANCH_ROWS
