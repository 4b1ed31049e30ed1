"""Server-side prepared statements (COM_STMT_*) of a branch session.

Every statement a client prepares on a branch gets an entry here, under the id the client sees:

- *relayed*: the upstream prepared it (a clean read as written, or the engine's rewrite of a read
  of changed tables without parameters). EXECUTE/FETCH/RESET/CLOSE/SEND_LONG_DATA are forwarded
  with the upstream id in place of the client's, the reply relayed unchanged, so the server
  encodes binary rows itself. The entry remembers the branch's `watch` set it was planned under;
  when that changes (a table became dirty, DDL on the branch), the next EXECUTE plans the
  statement again and re-prepares it upstream if the SQL changed.
- *inline*: the engine's rewrite of a read of changed tables, with parameters (the rewrite keeps
  the `?` in order). MariaDB does not push a `?` into the merged read's UNION (a point select
  scans the table: 8 ms instead of 0.3 ms on 10k rows), so each EXECUTE prepares the rewrite
  with the values inlined as literals, executes it (a cursor if the client asked for one) and
  relays the server's binary reply unchanged.
- *emulated*: writes, DDL and anything the engine must run with concrete values. The proxy makes
  the PREPARE_OK reply itself (after letting the upstream check the syntax), and on EXECUTE turns
  the binary parameters into SQL literals and runs the text through the engine like a COM_QUERY.

The client id of a statement the upstream prepared is the upstream's own id (unique for the
connection's lifetime), so the common case forwards packets untouched.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from branchdb.cow.executor import QueryResult, UpstreamError
from branchdb.cow.outcome import (
    ErrorReply,
    OkReply,
    Outcome,
    Passthrough,
    RelayQuery,
    ResultReply,
    StatementContext,
)
from branchdb.proxy import binary
from branchdb.proxy.capture import Capture, SessionExecutor
from branchdb.proxy.constants import Capability, Command, ServerStatus
from branchdb.proxy.framing import Packet, PacketReader, encode_packet, packets_after
from branchdb.proxy.remap import remap_execute
from branchdb.proxy.response import Reply
from branchdb.proxy.resultset import encode_result
from branchdb.proxy.sqlprepare import PREPARE_ERRORS, UNKNOWN_STMT, SqlLevel
from branchdb.proxy.wire import ErrPacket, OkPacket, make_err, make_ok, parse_err
from branchdb.sqlrewrite.classify import Kind, classify

if TYPE_CHECKING:
    from branchdb.cow.catalog import BranchInfo
    from branchdb.proxy.session import ClientSession

STMT_COMMANDS = frozenset(
    {
        Command.STMT_PREPARE,
        Command.STMT_EXECUTE,
        Command.STMT_FETCH,
        Command.STMT_SEND_LONG_DATA,
        Command.STMT_RESET,
        Command.STMT_CLOSE,
    }
)

#: Statement kinds whose plan never runs anything: the upstream can prepare the planned SQL.
_PLANNABLE = frozenset({Kind.READ, Kind.LOCKING_READ, Kind.SESSION})
_NO_CURSOR = 1421
#: Ids for emulated statements the upstream could not prepare: far above any upstream id.
_EMULATED_IDS = 0x7F000000


@dataclass(frozen=True)
class ReadPlan:
    upstream_sql: str  # what the upstream prepares: the client's SQL, or the rewrite with `?`
    inline_sql: str = ""  # a rewrite with parameters, markers in place of `?`: run inline
    #: A planned rewrite: the client's parameter behind each `?` of `upstream_sql`, in order
    #: (the upstream statement is kept and each EXECUTE remapped onto it; see proxy/remap.py).
    order: tuple[int, ...] = ()


#: Marker literals standing for parameter i while the engine plans: unusual 19-digit numbers.
_MARKER_HEAD = "7391046205"
_MARKER = re.compile(rf"(?<![\w.]){_MARKER_HEAD}(\d{{9}})(?![\w.])")


def _marker(i: int) -> str:
    return f"{_MARKER_HEAD}{i:09d}"


def unmark(sql: str) -> str:
    """The rewrite with `?` in place of every marker (for the upstream's column definitions)."""
    return _MARKER.sub("?", sql)


def fill_markers(sql: str, literals: list[str]) -> str:
    """The rewrite with each marker replaced by the literal of the parameter it names."""
    return _MARKER.sub(lambda m: literals[int(m.group(1))], sql)


@dataclass
class Statement:
    client_id: int
    sql: str  # the client's text
    db: str | None  # current database when prepared: names resolve there, as on the server
    params: int
    columns: int
    emulated: bool
    upstream_id: int = 0  # relayed: the long-lived upstream statement (0: none)
    upstream_sql: str = ""
    #: The rewrite of a read with parameters: each execute prepares it with the values inlined,
    #: so the server can push them into the merged read (it does not push `?` into a UNION).
    inline: bool = False
    cursor_id: int = 0  # an inline execute's upstream statement left open for COM_STMT_FETCH
    rows: list[bytes] | None = None  # an emulated execute's cursor: binary rows not fetched yet
    watch: frozenset[str] | None = None  # branch.watch the plan was made under
    types: bytes | None = None  # last parameter types the client bound
    upstream_typed: bool = False  # the upstream statement has seen `types`
    long_data: dict[int, bytes] = field(default_factory=dict)
    order: tuple[int, ...] = ()  # an inline read's mapped parameters (ReadPlan.order)
    mapped_id: int = 0  # the upstream statement of the rewrite with `?` (0: not prepared)


class PreparedStatements:
    """The prepared statements of one branch session and the COM_STMT_* flow over them."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.statements: dict[int, Statement] = {}
        self.sql = SqlLevel(self)  # PREPARE name FROM ... (text protocol)
        self._ids = itertools.count(_EMULATED_IDS)

    # --- dispatch (synchronous: decide, relay now or start a task) ------------------------

    def dispatch(self, packet: Packet) -> None:
        command = packet.payload[0]
        s = self.session
        if command == Command.QUERY:
            s.run_branch_task(packet, self.sql.run(packet))
            return
        if command == Command.STMT_PREPARE:
            s.run_branch_task(packet, self._prepare(packet))
            return
        stmt = self.statements.get(binary.statement_id_of(packet.payload))
        if command == Command.STMT_CLOSE:
            if stmt is not None:
                del self.statements[stmt.client_id]
                for upstream_id in (stmt.upstream_id, stmt.cursor_id, stmt.mapped_id):
                    if upstream_id:
                        self.close_upstream(upstream_id)
            return
        if command == Command.STMT_SEND_LONG_DATA:
            if stmt is not None:
                # Kept here even when forwarded: a re-plan before the execute may need values.
                param = int.from_bytes(packet.payload[5:7], "little")
                stmt.long_data[param] = stmt.long_data.get(param, b"") + packet.payload[7:]
                if stmt.upstream_id and not stmt.inline:
                    s.send_upstream(_with_id(packet, stmt.upstream_id))
            return
        if stmt is None:
            name = {
                Command.STMT_EXECUTE: "mysqld_stmt_execute",
                Command.STMT_FETCH: "mysqld_stmt_fetch",
                Command.STMT_RESET: "mysqld_stmt_reset",
            }[Command(command)]
            sid = binary.statement_id_of(packet.payload)
            self.finish(
                packet,
                [
                    ErrPacket(
                        UNKNOWN_STMT,
                        "HY000",
                        f"Unknown prepared statement handler ({sid}) given to {name}",
                    )
                ],
            )
            return
        if command == Command.STMT_RESET:
            stmt.long_data.clear()
            if stmt.emulated or stmt.inline:
                self._drop_cursor(stmt)
                self.finish(packet, [self.ok_packet()])
            else:
                s.relay_now(_with_id(packet, stmt.upstream_id), Reply.SIMPLE)
            return
        if command == Command.STMT_FETCH:
            if stmt.cursor_id:
                s.relay_now(_with_id(packet, stmt.cursor_id), Reply.ROWS)
            elif stmt.rows is not None:
                self._fetch_emulated(stmt, packet)
            elif stmt.emulated or stmt.inline:
                self.finish(
                    packet,
                    [
                        ErrPacket(
                            _NO_CURSOR,
                            "HY000",
                            f"The statement ({stmt.client_id}) has no open cursor.",
                        )
                    ],
                )
            else:
                s.relay_now(_with_id(packet, stmt.upstream_id), Reply.ROWS)
            return
        # COM_STMT_EXECUTE
        if stmt.emulated:
            s.run_branch_task(packet, self._execute_emulated(stmt, packet))
        elif stmt.watch is not self._branch().watch:
            s.run_branch_task(packet, self._replan_and_execute(stmt, packet))
        elif stmt.inline:
            s.run_branch_task(packet, self._execute_inline(stmt, packet))
        else:
            self._relay_execute(stmt, packet)

    def claim_fast_execute(self, data: bytes) -> bool:
        """True when this one-packet COM_STMT_EXECUTE may go upstream byte for byte now.

        The session's hot path asks before framing the packet: a relayed statement, planned
        under the branch's current state, under its own id, with types the upstream has seen.
        """
        stmt = self.statements.get(int.from_bytes(data[5:9], "little"))
        info = self.session.branch_info
        if (
            stmt is None
            or info is None
            or stmt.emulated
            or stmt.inline
            or stmt.long_data
            or stmt.upstream_id != stmt.client_id
            or stmt.watch is not info.watch
        ):
            return False
        if stmt.params:
            types = binary.bound_types(data[4:], stmt.params)
            if types is None:
                return stmt.upstream_typed
            stmt.types = types
            stmt.upstream_typed = True
        return True

    def _relay_execute(self, stmt: Statement, packet: Packet) -> None:
        payload = packet.payload
        if stmt.long_data:
            stmt.long_data.clear()  # the server drops its copy after the execute too
        if stmt.params:
            types = binary.bound_types(payload, stmt.params)
            if types is not None:
                stmt.types = types
                stmt.upstream_typed = True
            elif not stmt.upstream_typed and stmt.types is not None:
                payload = binary.with_types(payload, stmt.params, stmt.types)
                stmt.upstream_typed = True
        if payload is packet.payload and stmt.upstream_id == stmt.client_id:
            raw = packet.raw
        else:
            raw = encode_packet(binary.with_statement_id(payload, stmt.upstream_id), packet.seq)
        self.session.relay_now(raw, Reply.RESULT)

    # --- PREPARE ------------------------------------------------------------------------------

    async def _prepare(self, packet: Packet) -> None:
        sql = packet.payload[1:].decode("utf-8", "surrogateescape")
        db = self.session.database
        statements = classify(sql)
        if len(statements) == 1 and statements[0].kind not in _PLANNABLE:
            await self._prepare_emulated(packet, sql, db)
            return
        count = len(binary.placeholder_positions(sql))
        watch: frozenset[str] | None = None
        plan: ReadPlan | ErrorReply | None = ReadPlan(sql)
        if len(statements) == 1:
            watch = self._branch().watch
            plan = await self._plan_read(sql, db, count)
        if isinstance(plan, ErrorReply):
            self.finish(packet, [ErrPacket(plan.errno, plan.sqlstate, plan.message)])
            return
        if plan is None:  # the plan ran something: emulate
            await self._prepare_emulated(packet, sql, db)
            return
        reply = await self.upstream_prepare(plan.upstream_sql)
        if reply[0][:1] != b"\x00":
            self.finish(packet, reply)
            return
        ok = binary.parse_prepare_ok(reply[0])
        stmt = Statement(
            client_id=ok.statement_id,
            sql=sql,
            db=db,
            params=ok.params,
            columns=ok.columns,
            emulated=False,
            upstream_id=ok.statement_id,
            upstream_sql=plan.upstream_sql,
            watch=watch,
        )
        if plan.inline_sql:
            stmt.upstream_id = 0
            stmt.inline = True
            stmt.upstream_sql = plan.inline_sql
            stmt.params = count
            if plan.order and ok.params == len(plan.order):
                stmt.order, stmt.mapped_id = plan.order, ok.statement_id
            else:
                self.close_upstream(ok.statement_id)
            if ok.params != count:  # the rewrite repeats a parameter: the client sees its own
                columns = _split_defs(reply, ok, self.session.capabilities)[1]
                reply = self._prepare_ok(stmt, binary.fabricated_params(count), columns, 0)
        self.statements[stmt.client_id] = stmt
        self.finish(packet, reply)

    async def _plan_read(
        self, sql: str, db: str | None, params: int
    ) -> ReadPlan | ErrorReply | None:
        """How a read (or session statement) runs on the branch now; None: emulate it.

        The engine plans the SQL with each `?` replaced by a numbered marker literal, so whatever
        its rewrite does with them (keep, repeat, reorder), each marker names the client's
        parameter that belongs there.
        """
        marked = sql
        if params:
            if _MARKER_HEAD in sql:
                return None
            marked = binary.substitute(sql, [_marker(i) for i in range(params)])
        outcome = await self._plan(marked, db)
        if isinstance(outcome, ErrorReply):
            return outcome
        if isinstance(outcome, Passthrough):
            return ReadPlan(sql)
        if isinstance(outcome, RelayQuery):
            if not params:
                return ReadPlan(outcome.sql)
            order = tuple(int(m.group(1)) for m in _MARKER.finditer(outcome.sql))
            return ReadPlan(unmark(outcome.sql), outcome.sql, order if outcome.planned else ())
        return None

    async def _prepare_emulated(self, packet: Packet, sql: str, db: str | None) -> None:
        """A statement the engine runs with values: the upstream only checks its syntax."""
        reply = await self.upstream_prepare(sql)
        caps = self.session.capabilities
        if reply[0][:1] == b"\xff":
            err = parse_err(reply[0])
            if err.errno in PREPARE_ERRORS:
                self.finish(packet, reply)
                return
            # The base differs from the branch (a table or column only the branch has).
            count = len(binary.placeholder_positions(sql))
            stmt = Statement(next(self._ids), sql, db, count, 0, emulated=True)
            params, columns = binary.fabricated_params(count), list[bytes]()
            warnings = 0
        else:
            ok = binary.parse_prepare_ok(reply[0])
            self.close_upstream(ok.statement_id)
            stmt = Statement(ok.statement_id, sql, db, ok.params, ok.columns, emulated=True)
            params, columns = _split_defs(reply, ok, caps)
            warnings = ok.warnings
        self.statements[stmt.client_id] = stmt
        self.finish(packet, self._prepare_ok(stmt, params, columns, warnings))

    def _prepare_ok(
        self, stmt: Statement, params: list[bytes], columns: list[bytes], warnings: int
    ) -> list[bytes]:
        ok = binary.PrepareOk(stmt.client_id, len(columns), stmt.params, warnings)
        return binary.prepare_reply(
            ok, params, columns, self.session.capabilities, self.session.server_status
        )

    # --- EXECUTE ------------------------------------------------------------------------------

    async def _replan_and_execute(self, stmt: Statement, packet: Packet) -> None:
        """The branch changed since this statement was planned: plan again, then execute."""
        watch = self._branch().watch
        plan = await self._plan_read(stmt.sql, stmt.db, stmt.params)
        if isinstance(plan, ErrorReply):
            self.finish(packet, [ErrPacket(plan.errno, plan.sqlstate, plan.message)])
            return
        if plan is None:
            self._drop_upstream(stmt)
            stmt.emulated = True
            await self._execute_emulated(stmt, packet)
            return
        if plan.inline_sql:
            self._drop_upstream(stmt)
            stmt.inline = True
            stmt.upstream_sql = plan.inline_sql
            stmt.order = plan.order  # its upstream statement is prepared at the execute
            stmt.watch = watch
            await self._execute_inline(stmt, packet)
            return
        if stmt.inline or plan.upstream_sql != stmt.upstream_sql:
            reply = await self.upstream_prepare(plan.upstream_sql)
            if reply[0][:1] != b"\x00":
                self.finish(packet, reply)
                return
            self._drop_upstream(stmt)
            stmt.inline = False
            stmt.upstream_id = binary.parse_prepare_ok(reply[0]).statement_id
            stmt.upstream_sql = plan.upstream_sql
            stmt.upstream_typed = False
        stmt.watch = watch
        self._relay_execute(stmt, packet)

    def _drop_upstream(self, stmt: Statement) -> None:
        if stmt.upstream_id:
            self.close_upstream(stmt.upstream_id)
            stmt.upstream_id = 0
        if stmt.mapped_id:
            self.close_upstream(stmt.mapped_id)
            stmt.mapped_id = 0
        stmt.order = ()
        self._drop_cursor(stmt)

    def _drop_cursor(self, stmt: Statement) -> None:
        stmt.rows = None
        if stmt.cursor_id:
            self.close_upstream(stmt.cursor_id)
            stmt.cursor_id = 0

    def _literals(self, stmt: Statement, packet: Packet) -> list[str]:
        """The parameters of an EXECUTE as SQL literals (long data and bound types applied)."""
        request = binary.decode_execute(packet.payload, stmt.params, stmt.types, stmt.long_data)
        if request.types is not None:
            stmt.types = request.types
        stmt.long_data.clear()
        types = stmt.types or bytes(2 * stmt.params)
        nbe = bool(self.session.server_status & ServerStatus.NO_BACKSLASH_ESCAPES)
        return [binary.sql_literal(v, types[2 * i], nbe) for i, v in enumerate(request.values)]

    async def _execute_inline(self, stmt: Statement, packet: Packet) -> None:
        """Prepare the rewritten read with the values in place, execute it, relay the reply.
        A planned rewrite instead runs on its upstream statement with the parameters remapped."""
        self._drop_cursor(stmt)
        if stmt.order and not stmt.long_data and await self._execute_mapped(stmt, packet):
            return
        sql = fill_markers(stmt.upstream_sql, self._literals(stmt, packet))
        reply = await self.upstream_prepare(sql)
        if reply[0][:1] != b"\x00":
            self.finish(packet, reply)
            return
        ok = binary.parse_prepare_ok(reply[0])
        flags = packet.payload[5]
        execute = struct.pack("<BIBI", Command.STMT_EXECUTE, ok.statement_id, flags, 1)
        raw = encode_packet(execute, packet.seq)
        if flags & binary.CURSOR_TYPE_READ_ONLY:
            stmt.cursor_id = ok.statement_id  # COM_STMT_FETCH reads from it; closed later
        else:
            close = struct.pack("<BI", Command.STMT_CLOSE, ok.statement_id)
            raw += encode_packet(close, 0)  # no reply: the server runs it after the execute
        self.session.relay_command(raw, Reply.RESULT)

    async def _execute_mapped(self, stmt: Statement, packet: Packet) -> bool:
        """Run the planned rewrite's upstream statement with this EXECUTE's parameters in its
        order (one round trip); False when this execute needs the general inline path."""
        if not stmt.mapped_id:
            reply = await self.upstream_prepare(unmark(stmt.upstream_sql))
            if reply[0][:1] != b"\x00":
                stmt.order = ()  # the upstream cannot prepare it: inline from now on
                return False
            ok = binary.parse_prepare_ok(reply[0])
            if ok.params != len(stmt.order):
                self.close_upstream(ok.statement_id)
                stmt.order = ()
                return False
            stmt.mapped_id = ok.statement_id
        bound = binary.bound_types(packet.payload, stmt.params)
        if bound is not None:
            stmt.types = bound
        payload = remap_execute(packet.payload, stmt.params, stmt.types, stmt.order, stmt.mapped_id)
        if payload is None:
            return False
        self.session.relay_command(encode_packet(payload, packet.seq), Reply.RESULT)
        return True

    async def _execute_emulated(self, stmt: Statement, packet: Packet) -> None:
        self._drop_cursor(stmt)
        literals = self._literals(stmt, packet)
        cursor = stmt if packet.payload[5] & binary.CURSOR_TYPE_READ_ONLY else None
        sql = binary.substitute(stmt.sql, literals)
        await self.run_text(packet, sql, stmt.db, binary=True, cursor=cursor)

    def _fetch_emulated(self, stmt: Statement, packet: Packet) -> None:
        """COM_STMT_FETCH from the rows an emulated execute kept for its cursor."""
        assert stmt.rows is not None
        count = int.from_bytes(packet.payload[5:9], "little")
        rows, stmt.rows = stmt.rows[:count], stmt.rows[count:]
        last = not stmt.rows
        if last:
            stmt.rows = None  # the server closes an exhausted cursor
        status = self.session.server_status & ~ServerStatus.MORE_RESULTS_EXISTS
        self.finish(packet, binary.fetch_reply(rows, self.session.capabilities, status, last))

    async def run_text(
        self,
        packet: Packet,
        sql: str,
        db: str | None,
        *,
        binary: bool,
        cursor: Statement | None = None,
    ) -> None:
        """Run one statement with concrete values through the engine and answer the client
        (`cursor`: a binary result stays with that statement for COM_STMT_FETCH)."""
        s = self.session
        executor = s.executor
        outcome = await self._plan(sql, db, executor)
        try:
            result = await _result_of(outcome, sql, executor)
        except UpstreamError as e:
            self.finish(packet, [ErrPacket(e.errno, e.sqlstate, e.message)])
            return
        if result is None:
            assert isinstance(outcome, ErrorReply)
            self.finish(packet, [ErrPacket(outcome.errno, outcome.sqlstate, outcome.message)])
            return
        if result.status:
            s.server_status = result.status
        status = s.server_status & ~ServerStatus.MORE_RESULTS_EXISTS
        if cursor is not None and result.columns:
            cursor.rows = [_binary_row(result, row) for row in result.rows]
            self.finish(packet, _cursor_open(result, s.capabilities, status))
            return
        encode = _encode_binary if binary else _encode_text
        self.finish(packet, encode(result, s.capabilities, status))

    # --- helpers ------------------------------------------------------------------------------

    def _branch(self) -> BranchInfo:
        info = self.session.branch_info
        assert info is not None
        return info

    async def _plan(
        self, sql: str, db: str | None, executor: SessionExecutor | None = None
    ) -> Outcome:
        s = self.session
        engine = s.server.engine
        assert engine is not None
        status = s.server_status
        ctx = StatementContext(
            branch=self._branch(),
            current_db=db,
            sql=sql,
            in_transaction=bool(status & ServerStatus.IN_TRANS),
            autocommit=bool(status & ServerStatus.AUTOCOMMIT),
            found_rows=bool(s.capabilities & Capability.FOUND_ROWS),
        )
        return await engine.plan_and_run(ctx, executor or s.executor)

    async def upstream_prepare(self, sql: str) -> list[bytes]:
        """COM_STMT_PREPARE on the client's upstream connection; the reply's payloads."""
        payload = bytes((Command.STMT_PREPARE,)) + sql.encode("utf-8", "surrogateescape")
        return await roundtrip(self.session, payload, Reply.PREPARE)

    def close_upstream(self, upstream_id: int) -> None:
        payload = bytes((Command.STMT_CLOSE,)) + upstream_id.to_bytes(4, "little")
        self.session.send_upstream(encode_packet(payload, 0))

    def ok_packet(self, info: bytes = b"") -> bytes:
        ok = OkPacket(0, 0, self.session.server_status, 0, info)
        return make_ok(ok, self.session.capabilities)

    def finish(self, packet: Packet, payloads: Sequence[bytes | ErrPacket]) -> None:
        caps = self.session.capabilities
        done = [make_err(p, caps) if isinstance(p, ErrPacket) else p for p in payloads]
        self.session.finish_with(packets_after(packet.last_seq + 1, done))


async def roundtrip(session: ClientSession, payload: bytes, reply: Reply) -> list[bytes]:
    """Send one command on the session's upstream connection and capture its whole reply."""
    if session.capture is not None:
        raise RuntimeError("another statement is already captured on this session")
    future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    session.capture = Capture(future)
    session.scanner.start(reply)
    session.send_upstream(encode_packet(payload, 0))
    try:
        raw = await future
    finally:
        session.capture = None
    reader = PacketReader()
    reader.feed(raw)
    out: list[bytes] = []
    while (p := reader.next_packet()) is not None:
        out.append(p.payload)
    return out


async def _result_of(outcome: Outcome, sql: str, executor: SessionExecutor) -> QueryResult | None:
    if isinstance(outcome, ErrorReply):
        return None
    if isinstance(outcome, Passthrough):
        return await executor.query(sql)
    if isinstance(outcome, RelayQuery):
        return await executor.query(outcome.sql)
    if isinstance(outcome, ResultReply):
        return outcome.result
    assert isinstance(outcome, OkReply)
    return QueryResult(
        affected_rows=outcome.affected_rows,
        insert_id=outcome.insert_id,
        warnings=outcome.warnings,
        info=outcome.info,
    )


def _binary_row(result: QueryResult, row: tuple[bytes | None, ...]) -> bytes:
    return binary.encode_binary_row(result.columns, row)


def _cursor_open(result: QueryResult, caps: int, status: int) -> list[bytes]:
    return binary.cursor_open_reply(result, caps, status)


def _encode_binary(result: QueryResult, caps: int, status: int) -> list[bytes]:
    return binary.encode_binary_result(result, caps, status)


def _encode_text(result: QueryResult, caps: int, status: int) -> list[bytes]:
    return encode_result(result, caps, status)


def _split_defs(
    reply: list[bytes], ok: binary.PrepareOk, caps: int
) -> tuple[list[bytes], list[bytes]]:
    """The parameter and column definition payloads of an upstream PREPARE_OK reply."""
    eof = 0 if caps & Capability.DEPRECATE_EOF else 1
    params = reply[1 : 1 + ok.params]
    start = 1 + ok.params + (eof if ok.params else 0)
    return params, reply[start : start + ok.columns]


def _with_id(packet: Packet, upstream_id: int) -> bytes:
    if binary.statement_id_of(packet.payload) == upstream_id:
        return packet.raw
    return encode_packet(binary.with_statement_id(packet.payload, upstream_id), packet.seq)
