"""Where a benchmark sends its load: one MySQL endpoint, parsed from a `mysql://` URL.

The harness talks to the same endpoint from three clients (PyMySQL for setup, the Go load
generator, sysbench), each wanting the address in its own shape, so the conversions live here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

DEFAULT_UPSTREAM = "mysql://root@127.0.0.1:3306"


def default_upstream_url() -> str:
    """The upstream the tests use, so a bare `python -m branchdb.bench` hits the same server."""
    return os.environ.get("BRANCHDB_TEST_UPSTREAM", DEFAULT_UPSTREAM)


@dataclass(frozen=True)
class Target:
    """A MySQL endpoint (the server itself, or the proxy in front of it)."""

    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb"):
            raise ValueError(f"not a mysql:// URL: {url!r}")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
        )

    def with_address(self, host: str, port: int) -> Target:
        """Same credentials at another address: the proxy relays auth to the upstream."""
        return Target(host=host, port=port, user=self.user, password=self.password)

    @property
    def url(self) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"mysql://{auth}@{self.host}:{self.port}"

    def go_dsn(self) -> str:
        """go-sql-driver DSN. interpolateParams sends COM_QUERY text, as most ORMs do."""
        return (
            f"{self.user}:{self.password}@tcp({self.host}:{self.port})/"
            "?interpolateParams=true&timeout=10s"
        )

    def pymysql_kwargs(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
        }

    def sysbench_args(self) -> list[str]:
        args = [
            f"--mysql-host={self.host}",
            f"--mysql-port={self.port}",
            f"--mysql-user={self.user}",
        ]
        if self.password:
            args.append(f"--mysql-password={self.password}")
        return args
