"""The one interface through which `cow/` talks to the server, and an aiomysql implementation.

The engine never sees packets: it sends SQL text and gets back either a `QueryResult` that keeps
what a proxy must relay exactly (raw text-protocol values, column type codes, affected rows,
insert id, warnings, status) or an `UpstreamError` in the server's own words. The proxy implements
the same Protocol over the client's own upstream connection; `AioMysqlExecutor` serves the
control connection and the tests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiomysql
import pymysql


@dataclass(frozen=True)
class Column:
    name: str
    type_code: int
    flags: int
    charset: int
    org_table: str = ""
    table: str = ""
    org_name: str = ""
    db: str = ""
    length: int = 0
    decimals: int = 0


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[Column, ...] = ()  # empty for OK results
    rows: list[tuple[bytes | None, ...]] = field(default_factory=list)  # undecoded text values
    affected_rows: int = 0
    insert_id: int = 0
    warnings: int = 0
    status: int = 0
    info: str = ""


class UpstreamError(Exception):
    """An ERR packet from the server: errno, SQLSTATE and message exactly as the server sent."""

    def __init__(self, errno: int, sqlstate: str, message: str) -> None:
        super().__init__(errno, sqlstate, message)
        self.errno = errno
        self.sqlstate = sqlstate
        self.message = message

    def __str__(self) -> str:
        return f"({self.errno}, {self.sqlstate}) {self.message}"


class Executor(Protocol):
    async def query(self, sql: str) -> QueryResult: ...  # raises UpstreamError


#: PyMySQL drops the SQLSTATE of an ERR packet; these are the server's values for the codes the
#: engine and its tests meet. Anything else reports HY000, the server's generic state.
_SQLSTATE = {
    1022: "23000",
    1046: "3D000",
    1048: "23000",
    1049: "42000",
    1050: "42S01",
    1051: "42S02",
    1054: "42S22",
    1062: "23000",
    1064: "42000",
    1091: "42000",
    1093: "HY000",
    1136: "21S01",
    1146: "42S02",
    1205: "HY000",
    1213: "40001",
    1235: "42000",
    1264: "22003",
    1292: "22007",
    1305: "42000",
    1366: "22007",
    1406: "22001",
    1451: "23000",
    1452: "23000",
    1586: "23000",
    1690: "22003",
}


def sqlstate_for(errno: int) -> str:
    return _SQLSTATE.get(errno, "HY000")


class SerialExecutor:
    """One statement at a time on a shared connection.

    Many sessions call the engine at once and it shares one control connection; a connection
    carries one statement at a time, so every query waits for the previous one's reply here.
    Sequences that must not interleave (a catalog transaction, overlay DDL) also hold the
    engine's own lock.
    """

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._lock = asyncio.Lock()

    async def query(self, sql: str) -> QueryResult:
        async with self._lock:
            return await self.inner.query(sql)


class AioMysqlExecutor:
    """An `Executor` over one aiomysql connection that keeps values as raw bytes.

    `use_unicode=False` and an empty converter table make PyMySQL hand back each text-protocol
    value undecoded, which is what a relay must forward and what literal building needs.
    """

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    @classmethod
    async def connect(
        cls,
        host: str = "127.0.0.1",
        port: int = 3306,
        user: str = "root",
        password: str = "",
        db: str | None = None,
        *,
        found_rows: bool = False,
        autocommit: bool = True,
        charset: str = "utf8mb4",
    ) -> AioMysqlExecutor:
        flag = pymysql.constants.CLIENT.FOUND_ROWS if found_rows else 0
        conn = await aiomysql.connect(
            host=host,
            port=port,
            user=user,
            password=password,
            db=db,
            autocommit=autocommit,
            charset=charset,
            use_unicode=False,
            conv={},
            client_flag=flag,
        )
        return cls(conn)

    async def query(self, sql: str) -> QueryResult:
        try:
            await self._conn.query(sql)
            result = self._conn._result
            out = _to_result(result)
            while result is not None and result.has_next:
                await self._conn.next_result()
                result = self._conn._result
        except pymysql.err.MySQLError as e:
            args = e.args
            if len(args) >= 2 and isinstance(args[0], int):
                raise UpstreamError(args[0], sqlstate_for(args[0]), str(args[1])) from None
            raise UpstreamError(2013, "HY000", str(e)) from None
        return out

    def close(self) -> None:
        self._conn.close()

    @property
    def raw(self) -> Any:
        """The aiomysql connection, for tests that need driver-level details."""
        return self._conn


def _to_result(result: Any) -> QueryResult:
    columns: tuple[Column, ...] = ()
    fields = getattr(result, "fields", None)
    if fields:
        columns = tuple(
            Column(
                name=_s(f.name),
                type_code=int(f.type_code),
                flags=int(f.flags),
                charset=int(f.charsetnr),
                org_table=_s(f.org_table),
                table=_s(f.table_name),
                org_name=_s(f.org_name),
                db=_s(f.db),
                length=int(f.length),
                decimals=int(f.scale),
            )
            for f in fields
        )
    rows: list[tuple[bytes | None, ...]] = [tuple(r) for r in (result.rows or ())]
    msg = result.message
    if isinstance(msg, bytes) and msg and msg[0] == len(msg) - 1:
        msg = msg[1:]  # PyMySQL keeps the length prefix of the info string
    info = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else (msg or "")
    return QueryResult(
        columns=columns,
        rows=rows,
        affected_rows=int(result.affected_rows or 0) if not fields else 0,
        insert_id=int(result.insert_id or 0),
        warnings=int(result.warning_count or 0),
        status=int(result.server_status or 0),
        info=info,
    )


def _s(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v) if v is not None else ""


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_str(value: str) -> str:
    """A string literal that is safe whatever the session's sql_mode (hex, no escapes)."""
    return "_utf8mb4 X'" + value.encode("utf-8").hex() + "'" if value else "''"


def text(v: bytes | None) -> str | None:
    return None if v is None else v.decode("utf-8")
