"""What the engine tells the proxy to do with one statement, and what it needs to know about it."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import BranchInfo
from .executor import QueryResult


@dataclass
class StatementContext:
    branch: BranchInfo
    current_db: str | None
    sql: str
    in_transaction: bool = False
    autocommit: bool = True
    found_rows: bool = False  # the client set CLIENT_FOUND_ROWS


@dataclass(frozen=True)
class Passthrough:
    """Forward the client's bytes unchanged and relay the reply."""


@dataclass(frozen=True)
class RelayQuery:
    """Send this SQL on the client's upstream connection and relay the reply bytes unchanged."""

    sql: str
    #: Made by the read planner: every predicate sits in each half of the rewrite, so the
    #: server can use indexes with `?` parameters there too (the naive form needs values).
    planned: bool = False


@dataclass(frozen=True)
class OkReply:
    """The engine already ran the work on the client's connection; answer with this OK."""

    affected_rows: int = 0
    insert_id: int = 0
    warnings: int = 0
    info: str = ""


@dataclass(frozen=True)
class ResultReply:
    result: QueryResult


@dataclass(frozen=True)
class ErrorReply:
    errno: int
    sqlstate: str
    message: str


Outcome = Passthrough | RelayQuery | OkReply | ResultReply | ErrorReply


class EngineError(Exception):
    """Raised inside the engine to answer the client with an ERR packet."""

    def __init__(self, errno: int, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.reply = ErrorReply(errno, sqlstate, message)


def not_supported(what: str) -> EngineError:
    return EngineError(1235, "42000", f"branchdb: {what} is not supported on a branch yet")


def no_such_table(db: str, table: str) -> EngineError:
    return EngineError(1146, "42S02", f"Table '{db}.{table}' doesn't exist")


NO_DB = EngineError(1046, "3D000", "No database selected")
