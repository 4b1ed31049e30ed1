"""Cheap statement classification: what kind of statement is this, without parsing it.

The proxy calls this on every statement of a branch session, so it looks at keywords only. It skips
comments (but reads MySQL executable comments `/*! ... */` as code, as the server does), splits
multi-statements on `;` outside quotes and comments, and reports each statement's kind. Anything
it cannot recognise is `UNKNOWN`, which callers must treat as "not known to be safe".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    READ = "read"  # SELECT/SHOW/DESCRIBE/EXPLAIN/...: reads only
    LOCKING_READ = "locking_read"  # SELECT ... FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE
    SESSION = "session"  # SET/USE/transaction control: changes no table
    WRITE = "write"  # INSERT/UPDATE/DELETE/REPLACE/LOAD DATA/CALL/...
    DDL = "ddl"  # CREATE/ALTER/DROP/RENAME/TRUNCATE/GRANT/...
    LOCK = "lock"  # LOCK TABLES / HANDLER / FLUSH ... WITH READ LOCK
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Statement:
    kind: Kind
    keyword: str  # the first keyword, upper-case ("" for an empty statement)
    text: str  # the statement's own text, without the terminating ';'


_READ = frozenset(
    {"SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "HELP", "VALUES", "TABLE", "DO"}
)
_SESSION = frozenset(
    {
        "SET",
        "USE",
        "BEGIN",
        "START",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "UNLOCK",
        "XA",
        "KILL",
        "RESET",
        "BINLOG",
    }
)
_WRITE = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD", "CALL", "IMPORT"})
_DDL = frozenset(
    {
        "CREATE",
        "ALTER",
        "DROP",
        "RENAME",
        "TRUNCATE",
        "GRANT",
        "REVOKE",
        "ANALYZE",
        "OPTIMIZE",
        "REPAIR",
        "CHECK",
        "CHECKSUM",
        "INSTALL",
        "UNINSTALL",
        "PREPARE",
        "EXECUTE",
        "DEALLOCATE",
    }
)
_LOCK = frozenset({"LOCK", "HANDLER", "FLUSH"})

_WORD = re.compile(r"[A-Za-z_]+")
_LOCKING_CLAUSE = re.compile(
    r"\bFOR\s+UPDATE\b|\bFOR\s+SHARE\b|\bLOCK\s+IN\s+SHARE\s+MODE\b", re.IGNORECASE
)
_WITH_BODY_WRITE = re.compile(r"\b(UPDATE|DELETE|INSERT|REPLACE)\b", re.IGNORECASE)


def code_positions(sql: str, wanted: str) -> list[int]:
    """Offsets of the characters in `wanted` that are SQL code: outside quoted strings,
    identifiers and comments. Executable comments (`/*! ... */`) are code, as for the server."""
    out: list[int] = []
    i = 0
    n = len(sql)
    interesting = _interesting(wanted)
    while i < n:
        m = interesting.search(sql, i)  # jump over plain text in C, not a character at a time
        if m is None:
            break
        i = m.start()
        c = sql[i]
        if c in "'\"`":
            i = skip_quoted(sql, i)
            continue
        if c == "#" or sql.startswith("-- ", i) or sql.startswith("--\n", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "/" and sql.startswith("/*", i):
            if sql.startswith("/*!", i) or sql.startswith("/*M!", i):
                i += 3  # executable comment: scan inside it
                continue
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c in wanted:
            out.append(i)
        i += 1
    return out


@functools.lru_cache(maxsize=16)
def _interesting(wanted: str) -> re.Pattern[str]:
    """Characters `code_positions` must look at: quotes, comment starts and `wanted`."""
    return re.compile("[" + re.escape("'\"`#-/" + wanted) + "]")


def split_statements(sql: str) -> list[str]:
    """Split a multi-statement string on top-level ';', keeping each statement's raw text."""
    if ";" not in sql:
        return [sql]  # the common case: one statement, no scan
    parts: list[str] = []
    start = 0
    for i in code_positions(sql, ";"):
        parts.append(sql[start:i])
        start = i + 1
    tail = sql[start:]
    if tail.strip() or not parts:
        parts.append(tail)
    return parts


def skip_quoted(sql: str, i: int) -> int:
    """The offset just past the quoted string or identifier that starts at `i`."""
    quote = sql[i]
    j = i + 1
    n = len(sql)
    while j < n:
        ch = sql[j]
        if ch == "\\" and quote != "`":
            j += 2
            continue
        if ch == quote:
            if j + 1 < n and sql[j + 1] == quote:  # doubled quote
                j += 2
                continue
            return j + 1
        j += 1
    return n


def first_keyword(sql: str) -> str:
    """The first keyword of a statement, upper-case, skipping comments and opening parentheses."""
    i = 0
    n = len(sql)
    while i < n:
        c = sql[i]
        if c.isspace() or c == "(":
            i += 1
        elif c == "#" or sql.startswith("-- ", i) or sql.startswith("--\n", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
        elif sql.startswith("/*!", i) or sql.startswith("/*M!", i):
            i += 3 if sql[i + 2] == "!" else 4
            while i < n and sql[i].isdigit():  # version number of an executable comment
                i += 1
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            m = _WORD.match(sql, i)
            return m.group(0).upper() if m else ""
    return ""


def classify_one(sql: str) -> Statement:
    keyword = first_keyword(sql)
    if keyword in _READ:
        kind = Kind.LOCKING_READ if _LOCKING_CLAUSE.search(sql) else Kind.READ
    elif keyword == "WITH":
        # WITH ... SELECT is a read; MySQL 8 also allows WITH ... UPDATE/DELETE.
        if _WITH_BODY_WRITE.search(sql):
            kind = Kind.WRITE
        elif _LOCKING_CLAUSE.search(sql):
            kind = Kind.LOCKING_READ
        else:
            kind = Kind.READ
    elif keyword in _SESSION:
        kind = Kind.SESSION
    elif keyword in _WRITE:
        kind = Kind.WRITE
    elif keyword in _DDL:
        kind = Kind.DDL
    elif keyword in _LOCK:
        kind = Kind.LOCK
    elif keyword == "":
        kind = Kind.SESSION  # an empty statement: the server answers it with an error or OK
    else:
        kind = Kind.UNKNOWN
    return Statement(kind=kind, keyword=keyword, text=sql)


def classify(sql: str) -> list[Statement]:
    """Classify every statement of a (possibly multi-statement) query string."""
    return [classify_one(part) for part in split_statements(sql)]


def use_target(statement: str) -> str | None:
    """The database of a `USE db` statement (backquotes removed)."""
    words = statement.strip().split(None, 1)
    if len(words) < 2:
        return None
    name = words[1].strip().rstrip(";").strip()
    if name.startswith("`") and name.endswith("`"):
        name = name[1:-1].replace("``", "`")
    return name or None
