"""Proxy settings, resolved once from the command line and the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True, slots=True)
class UpstreamURL:
    """Where the shared database lives, and the account branchdb itself uses for its catalog."""

    host: str
    port: int
    user: str
    password: str
    database: str | None = None

    @classmethod
    def parse(cls, url: str) -> UpstreamURL:
        """Parse `mysql://user:pw@host:port[/db]` (also `mariadb://`, or a bare `host:port`)."""
        if "://" not in url:
            url = "mysql://" + url
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb", "mysql+pymysql"):
            raise ValueError(f"unsupported upstream URL scheme {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError(f"upstream URL {url!r} has no host")
        database = unquote(parts.path.lstrip("/")) or None
        return cls(
            host=parts.hostname,
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=database,
        )

    def redacted(self) -> str:
        return f"mysql://{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Config:
    upstream: UpstreamURL
    listen_host: str = "127.0.0.1"
    listen_port: int = 3307
    default_branch: str | None = None
    branch_separator: str = "~"
    max_connections: int = 1000
    handshake_timeout: float = 10.0
    connect_timeout: float = 10.0
    shutdown_timeout: float = 30.0
    log_level: str = "warning"
    auto_create: bool = True  # create a branch a client names when it does not exist
    default_mode: str = "all"  # mode of auto-created branches
    default_ttl: int | None = None  # seconds an auto-created branch lives after its last use
    gc_interval: float = 60.0  # seconds between garbage collections of expired branches
    catalog_poll: float = 0.25  # seconds between checks for other replicas' catalog changes
    materialize_below: int = 1000  # tables of at most this many rows are copied whole on a write
    extra: dict[str, str] = field(default_factory=dict)


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port`, `:port` or `port`."""
    host, sep, port = value.rpartition(":")
    if not sep:
        return "127.0.0.1", int(value)
    return (host.strip("[]") or "127.0.0.1"), int(port)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> int:
    """Seconds from `300`, `300s`, `5m`, `2h` or `1d`."""
    v = value.strip().lower()
    if v and v[-1] in _UNITS:
        return int(float(v[:-1]) * _UNITS[v[-1]])
    return int(v)
