"""pytest plugin: a real upstream server, per-test schemas and users, the proxy as a process.

Loaded by ``tests/conftest.py``. The logic lives in the other, pytest-free ``support`` modules
(reusable by the demo and benchmarks); this module only adapts it to pytest. No test ever skips
quietly: a missing server fails the tests with instructions, and MySQL 8 tests without Docker
are deselected with a loud summary line.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .branches import SessionRegistry, catalog_now, delete_branches_created_since
from .docker import ENV_REQUIRE_MYSQL8, docker_engine_problem, mysql8_container
from .proxyproc import ProxyError, ProxyProcess
from .upstream import Upstream, UpstreamUnavailable, acquire_upstream
from .users import DbUser, available_auth_plugins, create_user, drop_user

MakeProxy = Callable[..., ProxyProcess]
MakeUser = Callable[..., DbUser]

_UPSTREAM_KEY = pytest.StashKey[Upstream]()
_MYSQL8_DESELECTED = pytest.StashKey[tuple[int, str]]()


# -- the upstream server -------------------------------------------------------------------


@pytest.fixture(scope="session")
def upstream(pytestconfig: pytest.Config) -> Iterator[Upstream]:
    """The real server every test talks to (see ``support.upstream`` for how it is found)."""
    problem = ""
    try:
        with acquire_upstream() as found:
            pytestconfig.stash[_UPSTREAM_KEY] = found
            yield found
    except UpstreamUnavailable as e:
        problem = str(e)
    if problem:  # failing outside the except block keeps the report to one clear message
        pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _branches_cleanup(upstream: Upstream) -> Iterator[None]:
    """Branches (and their overlay schemas) created by this session are deleted at its end
    (by the last of several sessions running side by side: see SessionRegistry)."""
    registry = SessionRegistry()
    registry.started(catalog_now(upstream))
    yield
    since = registry.finished()
    if since is not None:
        delete_branches_created_since(upstream, since)


@pytest.fixture
def schema(upstream: Upstream) -> Iterator[str]:
    """A fresh, uniquely named database (``t_<random>``), dropped after the test."""
    name = f"t_{secrets.token_hex(6)}"
    conn = upstream.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        yield name
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


@pytest.fixture(scope="session")
def auth_plugins(upstream: Upstream) -> tuple[str, ...]:
    """Authentication plugins the upstream offers that tests can create users for."""
    return available_auth_plugins(upstream)


@pytest.fixture
def make_user(upstream: Upstream, schema: str) -> Iterator[MakeUser]:
    """Factory ``make_user(plugin=None, *, grant_on=None, target=None)`` -> DbUser.

    The user gets ALL on the test's ``schema`` unless ``grant_on`` lists privilege levels
    (e.g. ``["*.*"]``); ``target`` is another Upstream (e.g. ``mysql8``). Dropped after the test.
    """
    made: list[tuple[Upstream, DbUser]] = []

    def factory(
        plugin: str | None = None,
        *,
        grant_on: list[str] | None = None,
        target: Upstream | None = None,
    ) -> DbUser:
        server = target or upstream
        levels = [f"`{schema}`.*"] if grant_on is None else grant_on
        user = create_user(server, plugin=plugin, grant_on=levels)
        made.append((server, user))
        return user

    yield factory
    for server, user in made:
        drop_user(server, user)


# -- the proxy as a subprocess ---------------------------------------------------------------


def _start(proc: ProxyProcess) -> None:
    problem = ""
    try:
        proc.start()
    except ProxyError as e:
        problem = str(e)
    if problem:
        pytest.fail(problem, pytrace=False)


def _stop_all(procs: list[ProxyProcess]) -> None:
    """Stop every proxy (SIGTERM, must exit 0), then report all failures at once."""
    problems: list[str] = []
    for proc in procs:
        try:
            proc.stop()
        except ProxyError as e:
            problems.append(str(e))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def proxy(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyProcess]:
    """One ``branchdb serve`` for the whole session, with default flags."""
    proc = ProxyProcess(upstream, log_dir=tmp_path_factory.mktemp("proxy"))
    _start(proc)
    yield proc
    _stop_all([proc])


@pytest.fixture
def make_proxy(upstream: Upstream, tmp_path: Path) -> Iterator[MakeProxy]:
    """Factory ``make_proxy(*extra_args, target=None)``: a proxy with special flags.

    Each one is stopped after the test with SIGTERM and must exit 0.
    """
    started: list[ProxyProcess] = []

    def factory(*extra_args: str, target: Upstream | None = None) -> ProxyProcess:
        proc = ProxyProcess(target or upstream, extra_args, log_dir=tmp_path)
        _start(proc)
        started.append(proc)
        return proc

    yield factory
    _stop_all(started)


# -- MySQL 8 through Docker -------------------------------------------------------------------


@pytest.fixture(scope="session")
def mysql8() -> Iterator[Upstream]:
    """A real MySQL 8.0 (testcontainers). Tests using it are deselected without Docker."""
    problem = docker_engine_problem()
    if problem is not None:
        pytest.fail(f"mysql8 fixture needs a Docker engine: {problem}", pytrace=False)
    with mysql8_container() as server:
        yield server


def _needs_mysql8(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("mysql8") is not None or "mysql8" in fixtures


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = [item for item in items if _needs_mysql8(item)]
    if not wanted:
        return
    problem = docker_engine_problem()
    if problem is None:
        return
    if os.environ.get(ENV_REQUIRE_MYSQL8, "") not in ("", "0"):
        raise pytest.UsageError(
            f"{ENV_REQUIRE_MYSQL8} is set but MySQL 8 tests cannot run: no Docker engine "
            f"({problem}); {len(wanted)} tests need it. Start Docker or unset the variable."
        )
    chosen = set(wanted)
    items[:] = [item for item in items if item not in chosen]
    config.hook.pytest_deselected(items=wanted)
    config.stash[_MYSQL8_DESELECTED] = (len(wanted), problem)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    found = config.stash.get(_UPSTREAM_KEY, None)
    if found is not None:
        terminalreporter.write_line(
            f"upstream: {found.flavor} {found.version} at {found.host}:{found.port} "
            f"({found.origin})"
        )
    deselected = config.stash.get(_MYSQL8_DESELECTED, None)
    if deselected is not None:
        count, problem = deselected
        terminalreporter.write_sep(
            "!",
            f"MySQL 8 tests NOT run: no Docker engine ({count} tests deselected)",
            yellow=True,
            bold=True,
        )
        terminalreporter.write_line(f"  reason: {problem}; set {ENV_REQUIRE_MYSQL8}=1 to fail")
