"""Tests of the test harness itself: upstream discovery, private server, users, proxy process."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pymysql
import pytest
from support.docker import ENV_NO_DOCKER
from support.mysqld import PrivateServer, find_server_binaries, free_port
from support.plugin import MakeProxy, MakeUser
from support.proxyproc import ProxyError, ProxyProcess
from support.upstream import (
    ENV_FORCE_PRIVATE,
    ENV_URL,
    Upstream,
    UpstreamUnavailable,
    acquire_upstream,
    parse_url,
)
from support.users import DbUser

TESTS_DIR = Path(__file__).parent
RELAY = [sys.executable, str(TESTS_DIR / "support" / "tcprelay.py")]


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def test_upstream_answers_select_version(upstream: Upstream) -> None:
    with upstream.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        (version,) = cur.fetchone()
    assert version == upstream.version
    assert upstream.flavor == ("mariadb" if "MariaDB" in version else "mysql")
    assert upstream.version_tuple[0] >= 5


def test_url_round_trips_odd_passwords() -> None:
    up = Upstream("127.0.0.1", 3307, "r@ot", "p:w/d@#?%", "8.0.36", "mysql")
    assert parse_url(up.url) == ("127.0.0.1", 3307, "r@ot", "p:w/d@#?%")


def test_schema_fixture_gives_an_empty_database(upstream: Upstream, schema: str) -> None:
    assert schema.startswith("t_")
    with upstream.connect(database=schema) as conn, conn.cursor() as cur:
        cur.execute("SHOW TABLES")
        assert cur.fetchall() == ()
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")


def test_private_server_starts_answers_and_stops() -> None:
    binaries = find_server_binaries()
    assert binaries is not None, "no mariadbd/mysqld installed: apt-get install mariadb-server"
    started = time.monotonic()
    server = PrivateServer(binaries)
    server.start()
    try:
        assert time.monotonic() - started < 20
        conn = pymysql.connect(host=server.host, port=server.port, user="root", password="")
        with conn, conn.cursor() as cur:
            cur.execute("SELECT @@port, @@datadir")
            port, datadir = cur.fetchone()
            # Grant tables are live (no --skip-grant-tables): users can be created.
            cur.execute("CREATE USER 'probe'@'%' IDENTIFIED BY 'x'")
        assert port == server.port
        assert Path(datadir).resolve() == server.datadir.resolve()
    finally:
        server.stop()
    assert not _port_open(server.host, server.port)
    assert not server.base_dir.exists()


def test_forced_private_upstream_is_stopped_on_exit() -> None:
    with acquire_upstream({ENV_FORCE_PRIVATE: "1"}) as up:
        assert up.origin == "private"
        assert up.port != 3306
        with up.connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
    assert not _port_open(up.host, up.port)


def test_explicit_url_that_does_not_answer_is_an_error() -> None:
    url = f"mysql://root:@127.0.0.1:{free_port()}"
    with pytest.raises(UpstreamUnavailable, match=ENV_URL), acquire_upstream({ENV_URL: url}):
        pass


def _login_works(upstream: Upstream, user: DbUser, schema: str) -> str:
    """CURRENT_USER() as that user; PyMySQL needs PyNaCl for ed25519, else use the CLI."""
    if user.plugin == "ed25519" and importlib.util.find_spec("nacl") is None:
        cli = shutil.which("mariadb") or shutil.which("mysql")
        assert cli is not None, "ed25519 check needs PyNaCl or the mariadb client"
        where = [f"-h{upstream.host}", f"-P{upstream.port}", schema]
        login = [f"-u{user.name}", f"-p{user.password}"]
        out = subprocess.run(
            [cli, "--no-defaults", *where, *login, "-N", "-e", "SELECT CURRENT_USER()"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return out.stdout.strip()
    with (
        upstream.connect(user=user.name, password=user.password, database=schema) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("SELECT CURRENT_USER()")
        return str(cur.fetchone()[0])


def test_make_user_for_every_offered_plugin(
    upstream: Upstream, schema: str, make_user: MakeUser, auth_plugins: tuple[str, ...]
) -> None:
    assert "mysql_native_password" in auth_plugins or "caching_sha2_password" in auth_plugins
    for plugin in (None, *auth_plugins):
        user = make_user(plugin)
        assert _login_works(upstream, user, schema) == f"{user.name}@%"
        if plugin is not None:
            with upstream.connect() as conn, conn.cursor() as cur:
                cur.execute("SELECT plugin FROM mysql.user WHERE user = %s", (user.name,))
                assert cur.fetchone() == (plugin,)


def test_make_user_rejects_a_plugin_the_server_lacks(make_user: MakeUser) -> None:
    with pytest.raises(ValueError, match="plugin"):
        make_user("no_such_plugin")


def test_proxy_harness_with_a_byte_relay(upstream: Upstream, schema: str, tmp_path: Path) -> None:
    with ProxyProcess(upstream, program=RELAY, log_dir=tmp_path) as relay:
        assert relay.port > 0
        with relay.connect(database=schema) as conn, conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            assert cur.fetchone() == (schema,)
        with relay.connect(branch="feature-x") as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
        relay.wait_for_log(r"client connected")
    assert relay.returncode == 0
    assert "relay: stopped" in relay.stderr_text()


def test_proxy_fixture_runs_branchdb_serve(proxy: ProxyProcess, schema: str) -> None:
    assert proxy.host == "127.0.0.1" and proxy.port > 0
    with proxy.connect(database=schema) as conn, conn.cursor() as cur:
        cur.execute("SELECT DATABASE(), 1 + 1")
        assert cur.fetchone() == (schema, 2)


def test_make_proxy_keeps_the_log_and_exits_cleanly(make_proxy: MakeProxy) -> None:
    proc = make_proxy("--log-level", "info")
    with proc.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
    proc.wait_for_log(r"\S", timeout=10)  # something was logged, and the harness reads it
    assert proc.stop() == 0
    assert proc.stderr_text()


def test_proxy_harness_reports_a_bad_first_line(upstream: Upstream, tmp_path: Path) -> None:
    fake = tmp_path / "fake.py"
    fake.write_text("import sys\nprint('hello')\nprint('some diagnostics', file=sys.stderr)\n")
    with pytest.raises(ProxyError, match=r"(?s)unexpected first stdout line.*some diagnostics"):
        ProxyProcess(upstream, program=[sys.executable, str(fake)], log_dir=tmp_path).start()


def test_proxy_harness_reports_a_nonzero_exit(upstream: Upstream, tmp_path: Path) -> None:
    fake = tmp_path / "fake.py"
    fake.write_text(
        "import signal, sys, time\n"
        "print('branchdb: listening on 127.0.0.1:1', flush=True)\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))\n"
        "time.sleep(60)\n"
    )
    proc = ProxyProcess(upstream, program=[sys.executable, str(fake)], log_dir=tmp_path)
    proc.start()
    with pytest.raises(ProxyError, match="exited with code 3"):
        proc.stop()


MYSQL8_TEST = """
import pytest

@pytest.mark.mysql8
def test_needs_mysql8(mysql8):
    assert mysql8.version.startswith("8.")

def test_plain():
    pass
"""


def _inner_pytest(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A separate pytest run with our plugin, on a machine that (we pretend) lacks Docker."""
    monkeypatch.setenv("PYTHONPATH", str(TESTS_DIR))
    monkeypatch.setenv(ENV_NO_DOCKER, "1")
    pytester.makeconftest('pytest_plugins = ["support.plugin"]\n')
    pytester.makepyfile(test_inner=MYSQL8_TEST)
    pytester.makeini("[pytest]\nmarkers =\n    mysql8: needs MySQL 8\n")


def test_mysql8_tests_are_deselected_loudly_without_docker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inner_pytest(pytester, monkeypatch)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*MySQL 8 tests NOT run: no Docker engine (1 tests deselected)*"])


def test_mysql8_required_without_docker_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inner_pytest(pytester, monkeypatch)
    monkeypatch.setenv("BRANCHDB_REQUIRE_MYSQL8", "1")
    result = pytester.runpytest_subprocess("-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*BRANCHDB_REQUIRE_MYSQL8 is set but MySQL 8 tests cannot run*"])


@pytest.mark.mysql8
def test_mysql8_answers(mysql8: Upstream) -> None:
    assert mysql8.flavor == "mysql"
    assert mysql8.version.startswith("8.0")
