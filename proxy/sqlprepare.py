"""SQL-level prepared statements on a branch: PREPARE … FROM, EXECUTE … USING, EXECUTE IMMEDIATE
and DEALLOCATE/DROP PREPARE, sent as COM_QUERY text.

The server would prepare the statement against the shared database, so the proxy keeps the text
itself (after the upstream checked its syntax) and, on EXECUTE, reads the USING values with a
`SELECT` on the client's own connection, puts them in as literals and runs the statement through
the copy-on-write engine like any text query. Replies are text-protocol, as the server's are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from branchdb.cow.executor import Column, QueryResult, UpstreamError
from branchdb.proxy import binary
from branchdb.proxy.constants import ServerStatus
from branchdb.proxy.framing import Packet
from branchdb.proxy.wire import ErrPacket, parse_err
from branchdb.sqlrewrite.classify import classify

if TYPE_CHECKING:
    from branchdb.proxy.prepared import PreparedStatements

#: Upstream prepare errors a real copy would give too (syntax, statement not preparable).
PREPARE_ERRORS = frozenset({1064, 1295, 1149})
UNKNOWN_STMT = 1243


class SqlLevel:
    """The named statements of one branch session."""

    def __init__(self, ps: PreparedStatements) -> None:
        self.ps = ps
        self.named: dict[str, str] = {}  # lower-case name -> statement text

    async def run(self, packet: Packet) -> None:
        """Answer one COM_QUERY that `is_sql_level` accepted."""
        ps = self.ps
        sql = packet.payload[1:].decode("utf-8", "surrogateescape")
        if m := _PREPARE_RE.match(sql):
            source = await self._select_values(m["source"])
            if isinstance(source, ErrPacket):
                ps.finish(packet, [source])
                return
            value = source.rows[0][0] if source.rows else None
            text = (value or b"").decode("utf-8", "surrogateescape")
            check = await ps.upstream_prepare(text)
            if check[0][:1] == b"\xff":
                if parse_err(check[0]).errno in PREPARE_ERRORS:
                    ps.finish(packet, check)
                    return
            else:
                ps.close_upstream(binary.parse_prepare_ok(check[0]).statement_id)
            self.named[_name(m["name"])] = text
            ps.finish(packet, [ps.ok_packet(info=b"Statement prepared")])
            return
        if m := _DEALLOCATE_RE.match(sql):
            if self.named.pop(_name(m["name"]), None) is None:
                ps.finish(packet, [_unknown_name(m["name"], "DEALLOCATE PREPARE")])
                return
            ps.finish(packet, [ps.ok_packet()])
            return
        if m := _IMMEDIATE_RE.match(sql):
            source = await self._select_values(m["source"])
            if isinstance(source, ErrPacket):
                ps.finish(packet, [source])
                return
            value = source.rows[0][0] if source.rows else None
            text = (value or b"").decode("utf-8", "surrogateescape")
            await self._execute_text(packet, text, m["using"])
            return
        m = _EXECUTE_RE.match(sql)
        if m is None:
            ps.finish(
                packet, [ErrPacket(1064, "42000", f"branchdb: cannot parse {sql.strip()[:60]!r}")]
            )
            return
        found = self.named.get(_name(m["name"]))
        if found is None:
            ps.finish(packet, [_unknown_name(m["name"], "EXECUTE")])
            return
        await self._execute_text(packet, found, m["using"])

    async def _execute_text(self, packet: Packet, text: str, using: str | None) -> None:
        """EXECUTE of an SQL-level statement: USING values become literals, text reply."""
        ps = self.ps
        literals: list[str] = []
        if using:
            values = await self._select_values(using)
            if isinstance(values, ErrPacket):
                ps.finish(packet, [values])
                return
            nbe = bool(ps.session.server_status & ServerStatus.NO_BACKSLASH_ESCAPES)
            row = values.rows[0]
            literals = [_text_literal(c, v, nbe) for c, v in zip(values.columns, row, strict=True)]
        if len(literals) != len(binary.placeholder_positions(text)):
            ps.finish(packet, [ErrPacket(1210, "HY000", "Incorrect arguments to EXECUTE")])
            return
        await ps.run_text(
            packet, binary.substitute(text, literals), ps.session.database, binary=False
        )

    async def _select_values(self, exprs: str) -> QueryResult | ErrPacket:
        """The values of expressions (user variables, literals) on the client's connection."""
        try:
            return await self.ps.session.executor.query(f"SELECT {exprs}")
        except UpstreamError as e:
            return ErrPacket(e.errno, e.sqlstate, e.message)


def _unknown_name(name: str, where: str) -> ErrPacket:
    return ErrPacket(
        UNKNOWN_STMT,
        "HY000",
        f"Unknown prepared statement handler ({_name(name)}) given to {where}",
    )


def _name(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith("`") and raw.endswith("`"):
        raw = raw[1:-1].replace("``", "`")
    return raw.lower()


_IDENT = r"(?P<name>`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
#: What PREPARE and EXECUTE IMMEDIATE take: a string literal, a user variable, or anything else
#: up to USING or the end (the server judges it).
_SOURCE = (
    r"(?P<source>(?:_\w+\s*)?'(?:[^'\\]|''|\\.)*'|\"(?:[^\"\\]|\"\"|\\.)*\"|@[\w$.]+"
    r"|@`(?:[^`]|``)+`|.+?)"
)
_PREPARE_RE = re.compile(
    rf"\s*PREPARE\s+{_IDENT}\s+FROM\s+{_SOURCE}[\s;]*\Z", re.IGNORECASE | re.DOTALL
)
_IMMEDIATE_RE = re.compile(
    rf"\s*EXECUTE\s+IMMEDIATE\s+{_SOURCE}(?:\s+USING\s+(?P<using>.+?))?[\s;]*\Z",
    re.IGNORECASE | re.DOTALL,
)
_EXECUTE_RE = re.compile(
    rf"\s*EXECUTE\s+{_IDENT}(?:\s+USING\s+(?P<using>.+?))?[\s;]*\Z", re.IGNORECASE | re.DOTALL
)
_DEALLOCATE_RE = re.compile(
    rf"\s*(?:DEALLOCATE|DROP)\s+PREPARE\s+{_IDENT}[\s;]*\Z", re.IGNORECASE | re.DOTALL
)
_SQL_LEVEL_RE = re.compile(r"\s*(?:PREPARE|EXECUTE|DEALLOCATE|DROP\s+PREPARE)\s", re.IGNORECASE)


def is_sql_level(payload: bytes) -> bool:
    """True for a COM_QUERY that is one SQL-level PREPARE, EXECUTE or DEALLOCATE PREPARE."""
    head = payload[1:200].decode("utf-8", "replace")
    if not _SQL_LEVEL_RE.match(head):
        return False
    sql = payload[1:].decode("utf-8", "surrogateescape")
    return len([s for s in classify(sql) if s.text.strip()]) == 1


_NUMERIC = frozenset({0, 1, 2, 3, 4, 5, 8, 9, 13, 246})


def _text_literal(col: Column, value: bytes | None, nbe: bool) -> str:
    """A literal for one value of `SELECT @a, ...` (a user variable or expression)."""
    if value is None:
        return "NULL"
    if col.type_code in _NUMERIC:
        text = value.decode("ascii")
        if col.type_code in (4, 5) and "e" not in text.lower():
            text += "e0"
        return text
    if col.charset == 63:
        return "X'" + value.hex() + "'" if value else "''"
    return binary.quote_bytes(value, nbe)
