"""Connection strings as applications hold them: read the server address and point it elsewhere.

`branchdb exec` rewrites the application's variable so it reaches the private proxy; the user,
password, database and parameters stay exactly as written. Forms: URLs (`mysql://`,
`mysql+pymysql://`, `mariadb://`, `jdbc:mysql://`, ...) and the Go DSN
`user:pw@tcp(host:port)/db?params`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from branchdb.proxy.config import UpstreamURL

_URL = re.compile(
    r"^(?P<scheme>(?:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*://)"
    r"(?:(?P<userinfo>[^@/?#]*)@)?"
    r"(?P<host>\[[^\]]*\]|[^:/?#]*)"
    r"(?::(?P<port>\d+))?"
    r"(?P<rest>[/?#].*)?$",
    re.DOTALL,
)
_GO = re.compile(
    r"^(?:(?P<userinfo>.*)@)?(?P<net>tcp|unix)\((?P<addr>[^)]*)\)(?P<rest>/.*)?$", re.DOTALL
)


class DSNError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedDSN:
    form: str  # "url" or "go"
    host: str
    port: int
    user: str
    password: str
    database: str | None

    def upstream(self) -> UpstreamURL:
        return UpstreamURL(self.host, self.port, self.user, self.password, self.database)


def parse_dsn(dsn: str) -> ParsedDSN:
    go = _GO.match(dsn)
    if go and "://" not in dsn.split("@")[-1]:
        if go.group("net") != "tcp":
            raise DSNError("branchdb exec needs a TCP address in the Go DSN, not a unix socket")
        host, _, port = go.group("addr").rpartition(":")
        if not host:
            host, port = go.group("addr") or "127.0.0.1", "3306"
        user, password = _split_userinfo(go.group("userinfo") or "", decode=False)
        return ParsedDSN("go", host.strip("[]"), int(port or 3306), user, password, _db(go))
    m = _URL.match(dsn)
    if not m or not m.group("host"):
        raise DSNError(
            "unrecognised connection string: expected mysql://user:pw@host:port/db "
            "or the Go form user:pw@tcp(host:port)/db"
        )
    user, password = _split_userinfo(m.group("userinfo") or "", decode=True)
    return ParsedDSN(
        "url", m.group("host").strip("[]"), int(m.group("port") or 3306), user, password, _db(m)
    )


def _db(m: re.Match[str]) -> str | None:
    rest = m.group("rest") or ""
    if not rest.startswith("/"):
        return None
    return unquote(re.split(r"[?#]", rest[1:], maxsplit=1)[0]) or None


def _split_userinfo(userinfo: str, *, decode: bool) -> tuple[str, str]:
    user, _, password = userinfo.partition(":")
    if decode:
        return unquote(user), unquote(password)
    return user, password


def point_at(dsn: str, host: str, port: int) -> str:
    """The same connection string with only the server address replaced."""
    go = _GO.match(dsn)
    if go and "://" not in dsn.split("@")[-1]:
        start, end = go.span("addr")
        return f"{dsn[:start]}{host}:{port}{dsn[end:]}"
    m = _URL.match(dsn)
    if not m or not m.group("host"):
        raise DSNError("unrecognised connection string")
    end = m.end("port") if m.group("port") else m.end("host")
    return f"{dsn[: m.start('host')]}{host}:{port}{dsn[end:]}"
