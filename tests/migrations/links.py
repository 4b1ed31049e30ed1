"""How the tests reach a schema: directly, or through the proxy on a branch (user-name suffix).

The same helpers serve PyMySQL, SQLAlchemy URLs and the Django subprocess, so every tool
selects its branch the way a user would: through its connection URL alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pymysql


@dataclass(frozen=True)
class Target:
    """Where a tool connects: host/port/user (with `~branch` on the proxy) and the database."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def url(self, scheme: str = "mysql+pymysql") -> str:
        user = quote(self.user, safe="~")
        password = quote(self.password, safe="")
        return f"{scheme}://{user}:{password}@{self.host}:{self.port}/{self.database}"

    def connect(self, **kw: Any) -> pymysql.connections.Connection:
        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": self.database,
            "autocommit": True,
            "connect_timeout": 10,
            "read_timeout": 30,
        }
        params.update(kw)
        return pymysql.connect(**params)


def direct(upstream: Any, database: str) -> Target:
    return Target(upstream.host, upstream.port, upstream.user, upstream.password, database)


def on_branch(proxy: Any, upstream: Any, branch: str, database: str) -> Target:
    return Target(proxy.host, proxy.port, f"{upstream.user}~{branch}", upstream.password, database)
