"""Find the MySQL/MariaDB server that tests (and the demo, and benchmarks) run against.

Order: (a) the URL in ``BRANCHDB_TEST_UPSTREAM``; (b) a local server on 127.0.0.1:3306 as root
with an empty password; (c) a private server started from the installed binaries. An explicit
URL that does not answer is an error, never a reason to fall through: the user asked for it.
``BRANCHDB_TEST_FORCE_PRIVATE=1`` skips (a) and (b), to exercise (c) on a machine that has a
server. pytest-free on purpose.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pymysql

from .mysqld import Flavor, MysqldError, PrivateServer

ENV_URL = "BRANCHDB_TEST_UPSTREAM"
ENV_FORCE_PRIVATE = "BRANCHDB_TEST_FORCE_PRIVATE"
LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 3306


class UpstreamUnavailable(RuntimeError):
    """No server could be found or started; the message says how to fix it."""


@dataclass(frozen=True)
class Upstream:
    """Where a real server listens, and what it is."""

    host: str
    port: int
    user: str
    password: str
    version: str
    flavor: Flavor
    #: How it was found ("env", "local", "private", "docker"): for the test-session header.
    origin: str = field(default="", compare=False)

    @property
    def url(self) -> str:
        """``mysql://user:pw@host:port``, the form ``branchdb serve --upstream`` takes."""
        user = quote(self.user, safe="")
        password = quote(self.password, safe="")
        return f"mysql://{user}:{password}@{self.host}:{self.port}"

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """``(10, 11, 19)`` from ``10.11.19-MariaDB-0+deb12u1``."""
        head = self.version.split("-", 1)[0]
        return tuple(int(p) for p in head.split(".") if p.isdigit())

    def connect(self, **kw: Any) -> pymysql.connections.Connection:
        """A PyMySQL connection as the upstream's admin user; keyword arguments override."""
        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "connect_timeout": 10,
        }
        params.update(kw)
        return pymysql.connect(**params)


def parse_url(url: str) -> tuple[str, int, str, str]:
    """``mysql://user:pw@host:port`` into (host, port, user, password)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb") or not parts.hostname:
        raise UpstreamUnavailable(f"{ENV_URL}={url!r} is not a mysql://user:pw@host:port URL")
    return (
        parts.hostname,
        parts.port or LOCAL_PORT,
        unquote(parts.username or "root"),
        unquote(parts.password or ""),
    )


def probe(
    host: str, port: int, user: str, password: str, *, origin: str, timeout: float = 2.0
) -> Upstream:
    """Connect once and read the version; raises pymysql errors when the server is not there."""
    conn = pymysql.connect(
        host=host, port=port, user=user, password=password, connect_timeout=timeout
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
    finally:
        conn.close()
    version = str(row[0])
    flavor: Flavor = "mariadb" if "mariadb" in version.lower() else "mysql"
    return Upstream(host, port, user, password, version, flavor, origin)


@contextmanager
def acquire_upstream(env: Mapping[str, str] | None = None) -> Iterator[Upstream]:
    """Yield a working upstream; a private server started here is stopped on exit."""
    env = os.environ if env is None else env
    force_private = env.get(ENV_FORCE_PRIVATE, "") not in ("", "0")
    tried: list[str] = []
    url = env.get(ENV_URL, "")
    if url and not force_private:
        host, port, user, password = parse_url(url)
        try:
            given = probe(host, port, user, password, origin="env", timeout=10)
        except pymysql.err.MySQLError as e:
            raise UpstreamUnavailable(
                f"{ENV_URL}={url} does not answer: {e}. Fix the URL or unset it."
            ) from e
        yield given
        return
    if not force_private:
        try:
            found = probe(LOCAL_HOST, LOCAL_PORT, "root", "", origin="local")
        except pymysql.err.MySQLError as e:
            tried.append(f"{LOCAL_HOST}:{LOCAL_PORT} as root/no password: {e}")
        else:
            yield found
            return
    try:
        server = PrivateServer()
        server.start()
    except MysqldError as e:
        tried.append(f"private server: {e}")
        raise UpstreamUnavailable(_how_to_fix(tried)) from e
    try:
        private = probe(
            server.host, server.port, server.user, server.password, origin="private", timeout=10
        )
        yield private
    finally:
        server.stop()


def _how_to_fix(tried: list[str]) -> str:
    lines = "\n".join(f"  - {t}" for t in tried)
    return (
        "branchdb tests need a real MySQL or MariaDB server and none could be had.\n"
        f"Tried:\n{lines}\n"
        "Fix one of:\n"
        f"  * export {ENV_URL}=mysql://USER:PASSWORD@HOST:PORT (an admin user)\n"
        f"  * run a server on {LOCAL_HOST}:{LOCAL_PORT} with user root and an empty password\n"
        "  * install the server binaries (apt-get install -y mariadb-server) so the tests can "
        "start a private one"
    )
