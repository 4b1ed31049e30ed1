"""Where a client connects: the upstream server itself or the branchdb proxy in front of it.

Why a separate object instead of using the ``upstream``/``proxy`` fixtures directly: each driver
(PyMySQL, mysql-connector, aiomysql, SQLAlchemy, the CLI, Go) spells host/port/user differently,
and the tests must build the exact same connection for both targets so that any difference in
behaviour can only come from the proxy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import aiomysql
import mysql.connector
import pymysql
from mysql.connector.abstracts import MySQLConnectionAbstract


@dataclass(frozen=True)
class Endpoint:
    """Address and credentials of one target; ``name`` is "direct" or "proxy"."""

    name: str
    host: str
    port: int
    user: str
    password: str

    def as_user(self, user: str, password: str) -> Endpoint:
        """The same target with other credentials (a test user, a ``user~branch`` name)."""
        return replace(self, user=user, password=password)

    def pymysql(self, **kwargs: Any) -> pymysql.connections.Connection[Any]:
        kwargs.setdefault("connect_timeout", 10)
        kwargs.setdefault("read_timeout", 60)
        return pymysql.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, **kwargs
        )

    def connector(self, *, use_pure: bool = True, **kwargs: Any) -> MySQLConnectionAbstract:
        kwargs.setdefault("connection_timeout", 10)
        conn = mysql.connector.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            use_pure=use_pure,
            **kwargs,
        )
        assert isinstance(conn, MySQLConnectionAbstract)
        return conn

    async def aiomysql(self, **kwargs: Any) -> aiomysql.Connection:
        return await aiomysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            connect_timeout=10,
            **kwargs,
        )

    def sqlalchemy_url(self, database: str) -> str:
        user = quote(self.user, safe="")
        password = quote(self.password, safe="")
        return f"mysql+pymysql://{user}:{password}@{self.host}:{self.port}/{database}"

    def go_dsn(self, database: str = "", params: str = "") -> str:
        dsn = f"{self.user}:{self.password}@tcp({self.host}:{self.port})/{database}"
        return f"{dsn}?{params}" if params else dsn

    def cli_args(self) -> list[str]:
        """Connection options for the ``mariadb``/``mysql`` command-line client."""
        args = [
            "--no-defaults",
            "--protocol=TCP",
            f"--host={self.host}",
            f"--port={self.port}",
            f"--user={self.user}",
        ]
        if self.password:
            args.append(f"--password={self.password}")
        return args
