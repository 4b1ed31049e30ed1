"""The command line against a real server: branch lifecycle, `exec` with a real child process,
the demo scenario, and a branch shared by two proxies."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.upstream import Upstream

pytestmark = pytest.mark.timeout(180)


def run_branchdb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`branchdb ARGS` as a child process, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "branchdb.proxy", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def branchdb(*args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    done = run_branchdb(*args, env=env)
    if check and done.returncode != 0:
        raise AssertionError(f"branchdb {args} exited {done.returncode}:\n{done.stderr}")
    return done.stdout + done.stderr


@pytest.fixture
def branch_name(upstream: Upstream) -> Iterator[str]:
    name = f"cli-{secrets.token_hex(4)}"
    yield name
    branchdb("branch", "delete", "--force", "--upstream", upstream.url, name, check=False)


def checksum(upstream: Upstream, table: str) -> object:
    conn = upstream.connect()
    with conn.cursor() as cur:
        cur.execute(f"CHECKSUM TABLE {table}")
        row = cur.fetchone()
    conn.close()
    return row[1] if row else None


@pytest.fixture
def base_table(upstream: Upstream, schema: str) -> str:
    conn = upstream.connect()
    with conn.cursor() as cur:
        cur.execute(
            f"CREATE TABLE `{schema}`.items (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(20))"
        )
        cur.execute(f"INSERT INTO `{schema}`.items (v) VALUES ('a'), ('b')")
    conn.commit()
    conn.close()
    return f"`{schema}`.items"


def test_branch_lifecycle(upstream: Upstream, branch_name: str, base_table: str, proxy) -> None:  # type: ignore[no-untyped-def]
    out = branchdb("branch", "create", "--upstream", upstream.url, branch_name, "--ttl", "1h")
    assert f"created branch {branch_name}" in out and " ms" in out
    listed = json.loads(branchdb("branch", "list", "--json", "--upstream", upstream.url))
    mine = [b for b in listed if b["name"] == branch_name]
    assert mine and mine[0]["mode"] == "all" and mine[0]["changed_tables"] == []

    conn = proxy.connect(user=f"{upstream.user}~{branch_name}")
    with conn.cursor() as cur:
        cur.execute(f"UPDATE {base_table} SET v = 'changed' WHERE id = 1")
    conn.commit()
    conn.close()
    shown = json.loads(
        branchdb("branch", "show", "--json", "--upstream", upstream.url, branch_name)
    )
    assert len(shown["changed_tables"]) == 1 and shown["overlay_rows"] >= 0

    branchdb("branch", "reset", "--upstream", upstream.url, branch_name)
    shown = json.loads(
        branchdb("branch", "show", "--json", "--upstream", upstream.url, branch_name)
    )
    assert shown["changed_tables"] == []
    branchdb("branch", "delete", "--upstream", upstream.url, branch_name)
    gone = branchdb("branch", "show", "--upstream", upstream.url, branch_name, check=False)
    assert f"no branch '{branch_name}'" in gone


def test_gc_deletes_expired_but_not_protected(upstream: Upstream) -> None:
    short, kept = f"gc-{secrets.token_hex(3)}", f"gc-{secrets.token_hex(3)}"
    branchdb("branch", "create", "--upstream", upstream.url, short, "--ttl", "1s")
    branchdb("branch", "create", "--upstream", upstream.url, kept, "--ttl", "1s", "--protected")
    time.sleep(2.2)
    out = branchdb("branch", "gc", "--upstream", upstream.url)
    # A running proxy may have collected it first (serve runs gc too): either way it is gone.
    assert "expired branch(es)" in out and kept not in out
    names = {
        b["name"]
        for b in json.loads(branchdb("branch", "list", "--json", "--upstream", upstream.url))
    }
    assert short not in names and kept in names
    branchdb("branch", "delete", "--force", "--upstream", upstream.url, kept)


CHILD = textwrap.dedent(
    """
    import os, sys, pymysql
    from branchdb.proxy.dsn import parse_dsn
    d = parse_dsn(os.environ["DB_CONNECTION_URL"])
    conn = pymysql.connect(host=d.host, port=d.port, user=d.user, password=d.password,
                           database=d.database, autocommit=True)
    cur = conn.cursor()
    if sys.argv[1] == "write":
        cur.execute("INSERT INTO items (v) VALUES ('from-exec')")
    cur.execute("SELECT v FROM items ORDER BY id")
    print(",".join(r[0] for r in cur.fetchall()))
    sys.exit(int(sys.argv[2]))
    """
)


def test_exec_runs_a_child_on_the_branch(
    upstream: Upstream, schema: str, base_table: str, branch_name: str, tmp_path: Path
) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    before = checksum(upstream, base_table)
    env = dict(os.environ)
    env["DB_CONNECTION_URL"] = f"{upstream.url}/{schema}?charset=utf8mb4"
    done = run_branchdb(
        "exec", "--branch", branch_name, "--", sys.executable, str(script), "write", "3", env=env
    )
    assert done.returncode == 3, done.stderr  # the child's exit code
    assert done.stdout.strip() == "a,b,from-exec"
    assert f"created branch {branch_name}" in done.stderr
    assert checksum(upstream, base_table) == before  # the shared table is untouched

    # Go DSN form, same branch again: the change is still there.
    host, port = upstream.host, upstream.port
    env["DB_CONNECTION_URL"] = f"{upstream.user}:{upstream.password}@tcp({host}:{port})/{schema}"
    done = run_branchdb(
        "exec", "--branch", branch_name, "--", sys.executable, str(script), "read", "0", env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "a,b,from-exec"
    assert f"attached branch {branch_name}" in done.stderr


def test_exec_reads_mirrord_json(
    upstream: Upstream, schema: str, base_table: str, tmp_path: Path
) -> None:
    name = f"mirrord-{secrets.token_hex(3)}"
    config = tmp_path / "mirrord.json"
    config.write_text(
        json.dumps(
            {
                "feature": {
                    "db_branches": [
                        {
                            "id": name,
                            "type": "mysql",
                            "ttl_secs": 60,
                            "connection": {"url": {"type": "env", "variable": "APP_DB"}},
                            "copy": {"mode": "empty"},
                        }
                    ]
                }
            }
        )
    )
    script = tmp_path / "probe.py"
    script.write_text(
        textwrap.dedent(
            """
        import os, pymysql
        from branchdb.proxy.dsn import parse_dsn
        d = parse_dsn(os.environ["APP_DB"])
        conn = pymysql.connect(host=d.host, port=d.port, user=d.user, password=d.password,
                               database=d.database)
        try:
            conn.cursor().execute("SELECT * FROM items")
        except pymysql.err.MySQLError as e:
            print(e.args[0])
        """
        )
    )
    env = dict(os.environ)
    env["APP_DB"] = f"{upstream.url}/{schema}"
    try:
        done = run_branchdb(
            "exec", "--config", str(config), "--", sys.executable, str(script), env=env
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "1146"  # an empty branch has no tables, like a fresh database
        shown = json.loads(branchdb("branch", "show", "--json", "--upstream", upstream.url, name))
        assert shown["mode"] == "empty" and shown["ttl_secs"] == 60
    finally:
        branchdb("branch", "delete", "--force", "--upstream", upstream.url, name, check=False)


def test_demo_scenario_passes(upstream: Upstream) -> None:
    database = f"demo_{secrets.token_hex(3)}"
    try:
        out = branchdb("demo", "--upstream", upstream.url, "--database", database)
        assert "scenario passed" in out
        assert "mode empty" in out and "mode all" in out
    finally:
        conn = upstream.connect()
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
        conn.close()


def test_demo_on_a_private_server_it_starts_itself() -> None:
    """The fresh-machine path of `make demo`: no configured or reachable server."""
    env = {k: v for k, v in os.environ.items() if k != "BRANCHDB_UPSTREAM"}
    out = branchdb("demo", "--private-server", env=env)
    assert "starting a private server" in out and "scenario passed" in out


def test_branch_shared_by_two_proxies(
    make_proxy, upstream: Upstream, base_table: str, branch_name: str
) -> None:  # type: ignore[no-untyped-def]
    first, second = make_proxy(), make_proxy()
    conn = first.connect(user=f"{upstream.user}~{branch_name}")
    with conn.cursor() as cur:
        cur.execute(f"UPDATE {base_table} SET v = 'via-first' WHERE id = 2")
    conn.commit()
    conn.close()
    other = second.connect(user=f"{upstream.user}~{branch_name}")
    with other.cursor() as cur:
        cur.execute(f"SELECT v FROM {base_table} ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == ["a", "via-first"]
    other.close()
    direct = upstream.connect()
    with direct.cursor() as cur:
        cur.execute(f"SELECT v FROM {base_table} ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == ["a", "b"]
    direct.close()


def test_open_sessions_see_a_table_another_session_or_replica_made_dirty(
    make_proxy,
    upstream: Upstream,
    base_table: str,
    branch_name: str,  # type: ignore[no-untyped-def]
) -> None:
    first, second = make_proxy(), make_proxy()
    user = f"{upstream.user}~{branch_name}"
    writer = first.connect(user=user, autocommit=True)
    same_proxy = first.connect(user=user, autocommit=True)
    other_proxy = second.connect(user=user, autocommit=True)
    for conn in (same_proxy, other_proxy):  # both attached while the table is still clean
        with conn.cursor() as cur:
            cur.execute(f"SELECT v FROM {base_table} WHERE id = 1")
            assert cur.fetchone() == ("a",)
    with writer.cursor() as cur:
        cur.execute(f"UPDATE {base_table} SET v = 'new' WHERE id = 1")
    with same_proxy.cursor() as cur:  # same proxy: at once
        cur.execute(f"SELECT v FROM {base_table} WHERE id = 1")
        assert cur.fetchone() == ("new",)
    deadline = time.monotonic() + 5
    seen = None
    while time.monotonic() < deadline:  # another replica: within its catalog poll interval
        with other_proxy.cursor() as cur:
            cur.execute(f"SELECT v FROM {base_table} WHERE id = 1")
            seen = cur.fetchone()
        if seen == ("new",):
            break
        time.sleep(0.05)
    assert seen == ("new",)
    for conn in (writer, same_proxy, other_proxy):
        conn.close()
