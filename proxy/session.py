"""One client connection and its upstream connection: handshake, auth relay, command relay.

A session is a small state machine (asyncpg's habit: one handler per state, one command in
flight). Bytes from the upstream are forwarded to the client as they arrive while a
`ResponseScanner` finds where each reply ends; commands from the client are framed by a
`PacketReader`, checked, and forwarded unchanged. The session never decodes rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, cast

from branchdb.cow.metadata_guard import mentions_internal
from branchdb.cow.naming import is_internal_db
from branchdb.proxy import connphase, logs
from branchdb.proxy.branchrun import run_on_branch
from branchdb.proxy.capture import Capture, SessionExecutor
from branchdb.proxy.constants import (
    CR,
    ER,
    MAX_PACKET_PAYLOAD,
    Capability,
    Command,
    ServerStatus,
)
from branchdb.proxy.errors import BranchDBError, Side, internal_db_denied, not_supported
from branchdb.proxy.framing import Packet, PacketReader, encode_packet
from branchdb.proxy.handshake import (
    Greeting,
)
from branchdb.proxy.prepared import STMT_COMMANDS, PreparedStatements
from branchdb.proxy.response import Reply, ResponseScanner, reply_for
from branchdb.proxy.sqlprepare import is_sql_level
from branchdb.proxy.states import State
from branchdb.proxy.upstream import HIGH_WATER, LOW_WATER, UpstreamLink, set_nodelay
from branchdb.proxy.wire import ProtocolError
from branchdb.sqlrewrite.classify import Kind, classify, use_target

if TYPE_CHECKING:
    from branchdb.cow.catalog import BranchInfo
    from branchdb.proxy.server import ServerState

log = logs.get("session")

#: Commands the proxy refuses: replication streams cannot be relayed as request/reply.
_REFUSED_COMMANDS = frozenset(
    {
        Command.BINLOG_DUMP,
        Command.BINLOG_DUMP_GTID,
        Command.REGISTER_SLAVE,
        Command.TABLE_DUMP,
        Command.CONNECT_OUT,
        Command.DAEMON,
        Command.CONNECT,
        Command.TIME,
        Command.DELAYED_INSERT,
    }
)


#: Commands the fast path may forward without framing objects, and the reply each gets.
_FAST_REPLIES: dict[int, Reply] = {
    int(Command.QUERY): Reply.RESULT,
    int(Command.STMT_EXECUTE): Reply.RESULT,
    int(Command.STMT_FETCH): Reply.ROWS,
    int(Command.PING): Reply.SIMPLE,
    int(Command.STMT_RESET): Reply.SIMPLE,
}


class ClientSession(asyncio.Protocol):
    """The client half and the session state."""

    def __init__(self, state: ServerState) -> None:
        self.server = state
        self.config = state.config
        self.state = State.CONNECTING
        self.client: asyncio.Transport | None = None
        self.upstream: UpstreamLink | None = None
        self.peer = "?"
        self.session_id = state.next_session_id()
        self.client_reader = PacketReader()
        self.upstream_reader = PacketReader()
        self.scanner = ResponseScanner(0)
        self.greeting: Greeting | None = None
        self.capabilities = 0  # negotiated: what both the client and the masked greeting allow
        self.user = ""
        self.branch: str | None = None
        self.database: str | None = None
        self.server_status = 0
        self._executor: SessionExecutor | None = None
        #: Whether a statement of this connection has been through the engine (see
        #: `_relay_remembered`); reset with the account (COM_CHANGE_USER).
        self._engine_seen = False
        self.pending: deque[Packet] = deque()
        self.command = -1
        self._connect_task: asyncio.Task[None] | None = None
        self._handshake_timer: asyncio.TimerHandle | None = None
        self._closing_after_reply = False
        self._reading_paused = False
        self._change_user_branch: tuple[str | None, str] | None = None
        self.branch_info: BranchInfo | None = None
        self._change_user_info: BranchInfo | None = None
        self.capture: Capture | None = None
        self._branch_task: asyncio.Task[BranchInfo] | None = None
        self._engine_task: asyncio.Task[None] | None = None
        self.statements: PreparedStatements | None = None  # branch sessions' COM_STMT_* state

    # --- client side -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.client = transport
        transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)
        set_nodelay(transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        if not self.server.admit(self):
            self._refuse(
                BranchDBError(ER.CON_COUNT_ERROR, "Too many connections", side=Side.PROXY), seq=0
            )
            return
        transport.pause_reading()  # nothing to read before the greeting is relayed
        loop = asyncio.get_running_loop()
        self._handshake_timer = loop.call_later(
            self.config.handshake_timeout, connphase.handshake_timed_out, self
        )
        self._connect_task = loop.create_task(self._connect_upstream())

    async def _connect_upstream(self) -> None:
        loop = asyncio.get_running_loop()
        up = self.config.upstream
        try:
            _, link = await asyncio.wait_for(
                loop.create_connection(lambda: UpstreamLink(self), up.host, up.port),
                timeout=self.config.connect_timeout,
            )
        except (TimeoutError, OSError) as exc:
            logs.event(log, logging.WARNING, "upstream_connect_failed", peer=self.peer, error=exc)
            self._refuse(
                BranchDBError(
                    CR.CONN_HOST_ERROR,
                    f"branchdb: can't connect to upstream MySQL server on "
                    f"'{up.host}:{up.port}' ({exc or type(exc).__name__})",
                    side=Side.UPSTREAM,
                ),
                seq=0,
            )
            return
        if self.state is State.CLOSED and link.transport is not None:
            link.transport.abort()

    def upstream_connected(self, link: UpstreamLink) -> None:
        self.upstream = link

    def data_received(self, data: bytes) -> None:
        # Fast path: one whole command in one read, nothing buffered, no command in flight. The
        # usual case for request/response clients; it skips framing objects entirely.
        if self.state is State.READY and not self.client_reader.buffered() and len(data) > 4:
            length = data[0] | data[1] << 8 | data[2] << 16
            if length + 4 == len(data) and length < MAX_PACKET_PAYLOAD and not data[3]:
                command = data[4]
                reply = _FAST_REPLIES.get(command)
                if reply is not None and (
                    self.branch is None
                    or (
                        command == Command.QUERY
                        and not self._needs_engine(data[5:].decode("utf-8", "surrogateescape"))
                    )
                    or (
                        command == Command.STMT_EXECUTE
                        and self.statements is not None
                        and self.statements.claim_fast_execute(data)
                    )
                ):
                    self.command = command
                    self.scanner.start(reply)
                    self.state = State.BUSY
                    self._send_upstream(data)
                    return
        self.client_reader.feed(data)
        try:
            while self.state is not State.CLOSED:
                if self.state is State.BUSY and self.scanner.awaiting_infile:
                    if not self._relay_infile():
                        return
                    continue
                if self.state is State.BUSY:
                    packet = self.client_reader.next_packet()
                    if packet is None:
                        return
                    if self.command == Command.CHANGE_USER:  # auth-switch answers go upstream
                        self._send_upstream(packet.raw)
                        continue
                    self.pending.append(packet)  # the client pipelined: answer in order
                    if len(self.pending) > 64:
                        self.pause_client_reading()
                    continue
                packet = self.client_reader.next_packet()
                if packet is None:
                    return
                if self.state is State.HANDSHAKE:
                    connphase.on_handshake_response(self, packet)
                elif self.state is State.AUTH:
                    self._send_upstream(packet.raw)
                elif self.state is State.READY:
                    self._dispatch(packet)
        except ProtocolError as exc:
            self._protocol_error(exc, Side.CLIENT)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.state is not State.CLOSED:
            logs.event(
                log,
                logging.INFO,
                "client_disconnected",
                session=self.session_id,
                peer=self.peer,
                state=self.state.name,
                error=exc or "",
            )
        self._close(abort_upstream=self.state is State.BUSY)

    def pause_writing(self) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.resume_reading()

    def pause_client_reading(self) -> None:
        if self.client is not None and not self._reading_paused:
            self._reading_paused = True
            self.client.pause_reading()

    def resume_client_reading(self) -> None:
        if self.client is not None and self._reading_paused and self.state is not State.CLOSED:
            self._reading_paused = False
            self.client.resume_reading()

    # --- connection phase --------------------------------------------------------------------

    # --- command phase -----------------------------------------------------------------------

    def _dispatch(self, packet: Packet) -> None:
        payload = packet.payload
        if not payload:
            raise ProtocolError("empty command packet")
        command = payload[0]
        self.command = command
        reply_seq = packet.last_seq + 1
        if command in _REFUSED_COMMANDS:
            name = Command(command).name if command in Command._value2member_map_ else command
            self._reply_error(not_supported(f"command COM_{name}", "through branchdb"), reply_seq)
            return
        if command == Command.QUIT:
            self._send_upstream(packet.raw)
            self._close()
            return
        if self.branch is not None and self.branch_info is None:
            self._reply_error(
                BranchDBError(ER.UNKNOWN_ERROR, f"branchdb: branch '{self.branch}' is not ready"),
                reply_seq,
            )
            return
        if command in (Command.CHANGE_USER, Command.RESET_CONNECTION):
            self.statements = None  # the server deallocates every prepared statement
            self._executor = None  # perhaps another account: the engine asks again
            self._engine_seen = False
        if self.branch_info is not None:
            if command in STMT_COMMANDS or (command == Command.QUERY and is_sql_level(payload)):
                if self.statements is None:
                    self.statements = PreparedStatements(self)
                self.statements.dispatch(packet)
                return
            if command == Command.FIELD_LIST and self._field_list_differs(payload):
                self._reply_error(
                    not_supported(
                        "COM_FIELD_LIST on a table that differs on the branch",
                        "use SHOW COLUMNS, which shows the branch's columns",
                    ),
                    reply_seq,
                )
                return
            if command == Command.QUERY:
                sql = payload[1:].decode("utf-8", "surrogateescape")
                if self._relay_remembered(packet, sql):
                    return
                if self._needs_engine(sql):
                    self.run_branch_task(packet, run_on_branch(self, packet))
                    return
        if command == Command.CHANGE_USER:
            connphase.change_user(self, packet)
            return
        if command == Command.INIT_DB:
            self._pending_database = payload[1:].decode("utf-8", "surrogateescape")
            if self.branch_info is not None and is_internal_db(self._pending_database):
                self._reply_error(internal_db_denied(self.user, self._pending_database), reply_seq)
                return
            if self.branch_info is not None:
                self.state = State.BUSY
                self._engine_task = asyncio.get_running_loop().create_task(
                    self._prepare_then_relay(packet, self._pending_database)
                )
                return
        reply = reply_for(command)
        self._send_upstream(packet.raw)
        if reply is Reply.NONE:
            return
        self.scanner.start(reply)
        self.state = State.BUSY

    _pending_database: str | None = None

    def _relay_remembered(self, packet: Packet, sql: str) -> bool:
        """A read the engine has already planned for this branch state: relay its plan now,
        without classifying it again or starting a task (the engine path's fixed cost is larger
        than a point lookup). Only once this connection has been through the engine (its
        account's privileges are mirrored onto the overlays)."""
        engine = self.server.engine
        if engine is None or not self._engine_seen:
            return False
        assert self.branch_info is not None
        rewritten = engine.remembered_read(self.branch_info, self.database, sql)
        if rewritten is None:
            return False
        self.state = State.BUSY
        if rewritten is sql:
            self.relay_command(packet.raw)
        else:
            payload = bytes((Command.QUERY,)) + rewritten.encode("utf-8", "surrogateescape")
            self.relay_command(encode_packet(payload, packet.last_seq))
        return True

    def _needs_engine(self, sql: str) -> bool:
        """False when the query can pass to the shared database byte for byte.

        Keyword classification plus a substring check for the branch's changed tables: no parse.
        A `USE` is noted so the engine knows the current database.
        """
        assert self.branch_info is not None
        engine = self.server.engine
        for statement in classify(sql):
            if statement.kind is Kind.SESSION:
                if statement.keyword == "USE":  # the engine prepares the new database first
                    self._pending_database = use_target(statement.text)
                    return True
                if mentions_internal(statement.text.lower()):
                    return True  # e.g. SET @x = (SELECT … FROM _branchdb…): the engine refuses
                continue
            if statement.kind is not Kind.READ:
                return True
            if engine is None or engine.may_touch_dirty(
                self.branch_info, statement.text, self.database
            ):
                return True  # (reads naming branchdb's schemas are among these)
        return False

    @property
    def executor(self) -> SessionExecutor:
        """The engine's executor over this session's upstream connection: one object for the
        session's life (until COM_CHANGE_USER / RESET_CONNECTION), so the engine's per-connection
        memory (e.g. whose privileges it mirrored onto the overlays) lasts between statements."""
        if self._executor is None:
            self._executor = SessionExecutor(self)
        return self._executor

    def _field_list_differs(self, payload: bytes) -> bool:
        """Whether the (deprecated) COM_FIELD_LIST names a table the branch changed or hides:
        the server would describe the shared table."""
        assert self.branch_info is not None
        table = payload[1:].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        if self.branch_info.mode != "all":
            return True
        return any(
            db == self.database and name.lower() == table.lower()
            for db, name in self.branch_info.tables
        )

    def run_branch_task(self, packet: Packet, work: Coroutine[None, None, None]) -> None:
        """Answer this command from a task (engine or prepared-statement work): BUSY until done."""
        self.state = State.BUSY
        self._engine_task = asyncio.get_running_loop().create_task(self._guarded(packet, work))

    async def _guarded(self, packet: Packet, work: Coroutine[None, None, None]) -> None:
        try:
            await work
            self._engine_seen = True
        except Exception as exc:  # a bug must not kill the proxy: answer and close this client
            logs.event(
                log, logging.ERROR, "engine_failed", session=self.session_id, error=repr(exc)
            )
            self.capture = None
            self._refuse(
                BranchDBError(ER.UNKNOWN_ERROR, f"branchdb: internal error: {exc!r}"),
                seq=packet.last_seq + 1,
            )
        finally:
            self._engine_task = None

    def relay_now(self, raw: bytes, reply: Reply) -> None:
        """Forward a command and relay its reply (NONE: no reply, the session stays READY)."""
        self._send_upstream(raw)
        if reply is not Reply.NONE:
            self.state = State.BUSY
            self.scanner.start(reply)

    async def _prepare_then_relay(self, packet: Packet, database: str) -> None:
        """COM_INIT_DB on a branch: create the new database's overlays before the client can
        open a transaction in it, then let the server answer."""
        engine = self.server.engine
        try:
            if engine is not None and self.branch_info is not None:
                await engine.prepare(self.branch_info, database)
        except Exception as exc:  # the server's own answer (e.g. unknown database) still comes
            logs.event(log, logging.INFO, "prepare_failed", database=database, error=exc)
        finally:
            self._engine_task = None
        if self.state is State.BUSY:
            raw = packet.raw
            if self.branch_info is not None and self.branch_info.databases:
                from branchdb.cow.ddl import physical_db  # databases created on the branch

                found = physical_db(self.branch_info, database)
                if found is None:  # dropped on the branch
                    self._pending_database = None
                    err = BranchDBError(1049, f"Unknown database '{database}'", sqlstate="42000")
                    reply = encode_packet(err.packet(self.capabilities), packet.last_seq + 1)
                    self.finish_with(reply)
                    return
                if found != database:
                    payload = bytes((Command.INIT_DB,)) + found.encode("utf-8", "surrogateescape")
                    raw = encode_packet(payload, packet.last_seq)
            self.relay_command(raw, Reply.SIMPLE)

    def relay_command(self, raw: bytes, reply: Reply = Reply.RESULT) -> None:
        """Send a command upstream and relay its reply to the client (the session is BUSY)."""
        self.scanner.start(reply)
        self._send_upstream(raw)

    def finish_with(self, data: bytes) -> None:
        """Answer the command in flight with proxy-made packets."""
        self._write_client(data)
        self._reply_finished()

    def _relay_infile(self) -> bool:
        """Forward LOCAL INFILE data packets; an empty packet ends the file."""
        packet = self.client_reader.next_packet()
        if packet is None:
            return False
        self._send_upstream(packet.raw)
        if not packet.payload:
            self.scanner.infile_sent()
        return True

    def _reply_finished(self) -> None:
        """The upstream's reply to the command in flight is complete."""
        status = self.scanner.status
        self.server_status = status
        if not self.scanner.error:
            if self._pending_database is not None:
                self.database = self._pending_database or None
            if self.command == Command.CHANGE_USER and self._change_user_branch is not None:
                self.branch, self.user = self._change_user_branch
                self.branch_info = self._change_user_info
        self._change_user_branch = None
        self._pending_database = None
        self.state = State.READY
        if self._closing_after_reply:
            self._close()
            return
        while self.pending and self.state is State.READY:
            self._dispatch(self.pending.popleft())
        if not self.pending:
            self.resume_client_reading()

    @property
    def in_transaction(self) -> bool:
        return bool(self.server_status & ServerStatus.IN_TRANS)

    # --- upstream side -----------------------------------------------------------------------

    def upstream_data(self, data: bytes) -> None:
        try:
            if self.state is State.CONNECTING:
                self.upstream_reader.feed(data)
                packet = self.upstream_reader.next_packet()
                if packet is not None:
                    rest = self.upstream_reader.take_raw()
                    connphase.on_greeting(self, packet)
                    if rest:
                        self.upstream_data(rest)
                return
            if self.state is State.BUSY and self.capture is None:  # the relay's hot path
                self._write_client(data)
                if self.scanner.feed(data) >= 0:
                    self._reply_finished()
                return
            if self.state is State.CLOSED:
                return
            if self.capture is not None:
                self.capture.buffer += data
                if self.scanner.feed(data) >= 0 and not self.capture.future.done():
                    self.capture.future.set_result(bytes(self.capture.buffer))
                return
            if self.state is State.AUTH and self._branch_task is not None:
                end = self.scanner.feed(data)
                if end < 0 or self.scanner.error:
                    self._write_client(data)
                    if end >= 0:
                        connphase.auth_finished(self)
                else:  # hold the final OK until the branch is known
                    asyncio.get_running_loop().create_task(connphase.finish_branch_auth(self, data))
                return
            self._write_client(data)
            if self.state in (State.AUTH, State.BUSY):
                end = self.scanner.feed(data)
                if end >= 0:
                    if self.state is State.AUTH:
                        connphase.auth_finished(self)
                    else:
                        self._reply_finished()
            else:
                raise ProtocolError("upstream sent data while no command was in flight")
        except ProtocolError as exc:
            self._protocol_error(exc, Side.UPSTREAM)

    def upstream_lost(self, exc: Exception | None) -> None:
        if self.state is State.CLOSED:
            return
        if self.capture is not None:
            self.capture.fail("branchdb: lost connection to the upstream MySQL server")
        waiting = self.state in (State.BUSY, State.AUTH, State.CONNECTING)
        logs.event(
            log,
            logging.WARNING,
            "upstream_lost",
            session=self.session_id,
            peer=self.peer,
            state=self.state.name,
            error=exc or "closed by upstream",
        )
        if waiting and self.state is not State.CONNECTING:
            err = BranchDBError(
                CR.SERVER_LOST,
                "branchdb: lost connection to the upstream MySQL server during query",
                side=Side.UPSTREAM,
            )
            self._write_client(encode_packet(err.packet(self.capabilities), self._reply_seq()))
        elif self.state is State.CONNECTING:
            err = BranchDBError(
                CR.SERVER_LOST,
                "branchdb: lost connection to the upstream MySQL server at 'reading initial "
                "communication packet'",
                side=Side.UPSTREAM,
            )
            self._write_client(encode_packet(err.packet(self.capabilities), 0))
        self._close()

    def _reply_seq(self) -> int:
        # Best effort: after a partial reply the client may not accept this packet, but it still
        # learns why the connection ends before it sees the close.
        return 1

    # --- helpers -----------------------------------------------------------------------------

    def _write_client(self, data: bytes) -> None:
        if self.client is not None and not self.client.is_closing():
            self.client.write(data)

    def send_upstream(self, data: bytes) -> None:
        self._send_upstream(data)

    def _send_upstream(self, data: bytes) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.write(data)

    def _reply_error(self, err: BranchDBError, seq: int) -> None:
        logs.event(
            log,
            logging.INFO,
            "refused",
            session=self.session_id,
            errno=err.errno,
            message=err.message,
        )
        self.server.statements_refused += 1
        self._write_client(encode_packet(err.packet(self.capabilities), seq))

    def _refuse(self, err: BranchDBError, seq: int) -> None:
        """Answer a client that is waiting with an ERR packet, then close the session."""
        caps = self.capabilities or int(Capability.PROTOCOL_41)
        self._write_client(encode_packet(err.packet(caps), seq))
        self._close()

    def _protocol_error(self, exc: ProtocolError, side: Side) -> None:
        logs.event(
            log,
            logging.WARNING,
            "protocol_error",
            session=self.session_id,
            peer=self.peer,
            side=side.value,
            state=self.state.name,
            error=exc,
        )
        if side is Side.CLIENT and self.state is not State.CLOSED:
            code = ER.HANDSHAKE_ERROR if self.state is State.HANDSHAKE else ER.NET_READ_ERROR
            message = "Bad handshake" if code == ER.HANDSHAKE_ERROR else f"branchdb: {exc}"
            self._refuse(BranchDBError(code, message, side=side), seq=self._reply_seq())
        else:
            self._close()

    def request_shutdown(self) -> None:
        """Server shutdown: close now when idle, after the reply when a command is in flight."""
        if self.state is State.BUSY or self.state is State.AUTH:
            self._closing_after_reply = True
        else:
            self._close()

    def _close(self, abort_upstream: bool = False) -> None:
        if self.state is State.CLOSED:
            return
        was_idle = self.state is State.READY
        self.state = State.CLOSED
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()
        for task in (self._connect_task, self._branch_task, self._engine_task):
            if task is not None and not task.done():
                task.cancel()
        if self.capture is not None:
            self.capture.fail("branchdb: session closed")
        if self.client is not None:
            self.client.close()
        if self.upstream is not None and self.upstream.transport is not None:
            if abort_upstream:
                self.upstream.transport.abort()
            else:
                if was_idle:  # say goodbye so the server does not log an aborted connection
                    self.upstream.transport.write(encode_packet(bytes((Command.QUIT,)), 0))
                self.upstream.transport.close()
        self.server.release(self)
        for info in (self.branch_info, self._change_user_info):
            if info is not None:
                self.server.detach_branch(info)
        self.branch_info = self._change_user_info = None
