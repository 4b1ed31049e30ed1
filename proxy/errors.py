"""Errors branchdb reports to clients, each with a MySQL error code and SQLSTATE.

Every error knows which side failed (TiProxy's habit) so logs say whether the client, the proxy or
the upstream was at fault, and each can write itself as an ERR packet.
"""

from __future__ import annotations

from enum import Enum

from branchdb.cow.metadata_guard import internal_denied
from branchdb.proxy.constants import CR, ER
from branchdb.proxy.wire import ErrPacket, make_err


class Side(Enum):
    CLIENT = "client"
    PROXY = "proxy"
    UPSTREAM = "upstream"


#: Default SQLSTATE per error code, as the server uses them.
SQLSTATE: dict[int, str] = {
    ER.CON_COUNT_ERROR: "08004",
    ER.HANDSHAKE_ERROR: "08S01",
    ER.ACCESS_DENIED_ERROR: "28000",
    ER.DBACCESS_DENIED_ERROR: "42000",
    ER.UNKNOWN_COM_ERROR: "08S01",
    ER.NET_PACKET_TOO_LARGE: "08S01",
    ER.NET_READ_ERROR: "08S01",
    ER.NET_PACKETS_OUT_OF_ORDER: "08S01",
    ER.NOT_SUPPORTED_YET: "42000",
    ER.PARSE_ERROR: "42000",
    ER.NO_SUCH_TABLE: "42S02",
    ER.DUP_ENTRY: "23000",
    ER.UNKNOWN_ERROR: "HY000",
    CR.CONN_HOST_ERROR: "HY000",
    CR.SERVER_LOST: "HY000",
    CR.SERVER_GONE_ERROR: "HY000",
}


class BranchDBError(Exception):
    """An error that reaches the client as a MySQL ERR packet."""

    def __init__(
        self, errno: int, message: str, *, sqlstate: str | None = None, side: Side = Side.PROXY
    ) -> None:
        super().__init__(message)
        self.errno = int(errno)
        self.message = message
        self.sqlstate = sqlstate or SQLSTATE.get(self.errno, "HY000")
        self.side = side

    def packet(self, capabilities: int) -> bytes:
        return make_err(ErrPacket(self.errno, self.sqlstate, self.message), capabilities)

    def __repr__(self) -> str:
        return f"BranchDBError({self.errno}, {self.sqlstate!r}, {self.message!r})"


def not_supported(what: str, why: str = "") -> BranchDBError:
    """The standard refusal: 1235 / 42000, naming what is refused and why."""
    tail = f": {why}" if why else ""
    return BranchDBError(ER.NOT_SUPPORTED_YET, f"branchdb: {what} is not supported{tail}")


def internal_db_denied(user: str | None, database: str) -> BranchDBError:
    """1044 for a branch session choosing one of branchdb's own schemas as its database: the
    catalog and other branches' overlays are not reachable from a branch (as the engine answers
    statements that name them)."""
    return BranchDBError(ER.DBACCESS_DENIED_ERROR, internal_denied(f"'{user or ''}'", database))
