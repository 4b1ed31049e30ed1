"""Finds where an upstream reply ends while the bytes stream through, without decoding rows.

The relay forwards every chunk to the client as it arrives; this scanner only walks the packet
headers (and the first bytes of the few packets that matter: OK, ERR, EOF, column counts,
COM_STMT_PREPARE_OK) to learn when the reply is complete and which server status it ended with.
No I/O, so it is tested by feeding bytes.
"""

from __future__ import annotations

import struct
from enum import Enum, auto

from branchdb.proxy.constants import MAX_PACKET_PAYLOAD, Capability, Command, ServerStatus
from branchdb.proxy.wire import Cursor, ProtocolError

_U16 = struct.Struct("<H")

_MORE_RESULTS = int(ServerStatus.MORE_RESULTS_EXISTS)
_CURSOR_EXISTS = int(ServerStatus.CURSOR_EXISTS)

#: Bytes of a packet's payload the scanner needs to see before deciding what the packet is.
_PREFIX = 24


class Reply(Enum):
    """What shape of reply a command gets."""

    NONE = auto()  # COM_QUIT, COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA
    SIMPLE = auto()  # exactly one packet: OK, ERR, EOF or a status string
    RESULT = auto()  # COM_QUERY, COM_STMT_EXECUTE: OK/ERR/result sets, maybe several
    PREPARE = auto()  # COM_STMT_PREPARE
    ROWS = auto()  # COM_STMT_FETCH: rows then a terminator
    FIELDS = auto()  # COM_FIELD_LIST: column definitions then EOF
    AUTH = auto()  # COM_CHANGE_USER and the connection phase: until OK or ERR


def reply_for(command: int) -> Reply:
    if command in (Command.QUERY, Command.STMT_EXECUTE):
        return Reply.RESULT
    if command == Command.STMT_PREPARE:
        return Reply.PREPARE
    if command == Command.STMT_FETCH:
        return Reply.ROWS
    if command == Command.FIELD_LIST:
        return Reply.FIELDS
    if command == Command.CHANGE_USER:
        return Reply.AUTH
    if command in (Command.QUIT, Command.STMT_CLOSE, Command.STMT_SEND_LONG_DATA):
        return Reply.NONE
    return Reply.SIMPLE


class _State(Enum):
    IDLE = auto()
    FIRST = auto()  # waiting for the first packet of a (next) result
    COLUMNS = auto()  # column definitions of a result set follow
    COLUMNS_EOF = auto()  # the EOF after column definitions (no DEPRECATE_EOF)
    ROWS = auto()
    DEFS = auto()  # COM_STMT_PREPARE parameter or column definitions
    DEFS_EOF = auto()  # the EOF closing a block of definitions (no DEPRECATE_EOF)
    FIELDS = auto()  # COM_FIELD_LIST column definitions until EOF
    SIMPLE = auto()
    AUTH = auto()
    INFILE = auto()  # server asked for a LOCAL INFILE: the client sends next


_START = {
    Reply.NONE: _State.IDLE,
    Reply.SIMPLE: _State.SIMPLE,
    Reply.RESULT: _State.FIRST,
    Reply.PREPARE: _State.FIRST,
    Reply.ROWS: _State.ROWS,
    Reply.FIELDS: _State.FIELDS,
    Reply.AUTH: _State.AUTH,
}


class ResponseScanner:
    """Tracks one reply at a time. `feed` returns the offset just past the reply's end, or -1."""

    __slots__ = (
        "_carry",
        "_continuing",
        "_deprecate_eof",
        "_done_after_skip",
        "_pending_defs",
        "_prepare",
        "_proto41",
        "_remaining",
        "_skip",
        "_state",
        "caps",
        "error",
        "status",
        "warnings",
    )

    def __init__(self, capabilities: int) -> None:
        self.caps = capabilities
        self._deprecate_eof = bool(capabilities & Capability.DEPRECATE_EOF)
        self._proto41 = bool(capabilities & Capability.PROTOCOL_41)
        self._state = _State.IDLE
        self._carry = b""
        self._skip = 0
        self._continuing = False
        self._done_after_skip = False
        self._prepare = False
        self._remaining = 0
        self._pending_defs = 0
        self.status = 0  # server status flags of the last OK/EOF seen
        self.warnings = 0
        self.error = False  # the reply ended with an ERR packet

    def set_capabilities(self, capabilities: int) -> None:
        self.caps = capabilities
        self._deprecate_eof = bool(capabilities & Capability.DEPRECATE_EOF)
        self._proto41 = bool(capabilities & Capability.PROTOCOL_41)

    @property
    def busy(self) -> bool:
        return self._state is not _State.IDLE

    @property
    def awaiting_infile(self) -> bool:
        return self._state is _State.INFILE

    def start(self, reply: Reply) -> None:
        """Expect the reply to a command just sent upstream."""
        self.error = False
        self._carry = b""
        self._skip = 0
        self._continuing = False
        self._done_after_skip = False
        self._prepare = reply is Reply.PREPARE
        self._state = _START[reply]

    def infile_sent(self) -> None:
        """The client finished sending its LOCAL INFILE data: the server's OK/ERR comes next."""
        if self._state is _State.INFILE:
            self._state = _State.FIRST
            self._prepare = False

    def feed(self, data: bytes) -> int:
        carry_len = len(self._carry)
        if carry_len:
            data = self._carry + data
            self._carry = b""
        n = len(data)
        pos = 0
        if self._skip:
            if self._skip > n:
                self._skip -= n
                return -1
            pos = self._skip
            self._skip = 0
            if self._done_after_skip:
                self._done_after_skip = False
                self._state = _State.IDLE
                return pos - carry_len
        while pos < n:
            if self._state is _State.ROWS and not self._continuing:
                # Rows are most of the bytes of a big reply: skip them in a tight loop and leave
                # only terminators, errors and 16 MiB fragments to the general path below.
                limit = MAX_PACKET_PAYLOAD if self._deprecate_eof else 9
                while pos + 4 < n:
                    length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
                    first = data[pos + 4]
                    if (first == 0xFE and length < limit) or first == 0xFF:
                        break
                    if length == MAX_PACKET_PAYLOAD:
                        break
                    end = pos + 4 + length
                    if end > n:
                        self._skip = end - n
                        return -1
                    pos = end
                if pos >= n:
                    return -1
            if self._state is _State.IDLE or self._state is _State.INFILE:
                raise ProtocolError("upstream sent data when no reply was expected")
            if n - pos < 4:
                self._carry = data[pos:]
                return -1
            length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
            body = pos + 4
            end = body + length
            done = False
            if self._continuing:
                self._continuing = length == MAX_PACKET_PAYLOAD
                done = self._done_after_skip and not self._continuing
            else:
                if n - body < min(length, _PREFIX):
                    self._carry = data[pos:]
                    return -1
                self._continuing = length == MAX_PACKET_PAYLOAD
                done = self._on_packet(data, body, length)
                if done and self._continuing:  # the reply's last packet spans fragments
                    self._done_after_skip = True
                    done = False
            if end > n:
                self._skip = end - n
                self._done_after_skip = self._done_after_skip or done
                return -1
            pos = end
            if done:
                self._done_after_skip = False
                self._state = _State.IDLE
                return pos - carry_len
        return -1

    def _on_packet(self, data: bytes, body: int, length: int) -> bool:
        """Account for one packet; True when it ends the reply."""
        first = data[body] if length else -1
        state = self._state
        if state is _State.ROWS:
            if first == 0xFE and length < (MAX_PACKET_PAYLOAD if self._deprecate_eof else 9):
                return self._terminator(data, body, length)
            if first == 0xFF:
                self.error = True
                return True
            return False
        if state is _State.FIRST:
            if first == 0x00:
                if self._prepare:
                    return self._prepare_ok(data, body)
                return self._ok(data, body, length)
            if first == 0xFF:
                self.error = True
                return True
            if first == 0xFB:
                self._state = _State.INFILE
                return False
            self._remaining = Cursor(data[body : body + min(length, 9)]).lenenc_int() or 0
            self._state = _State.COLUMNS
            return False
        if state is _State.COLUMNS:
            self._remaining -= 1
            if self._remaining <= 0:
                self._state = _State.ROWS if self._deprecate_eof else _State.COLUMNS_EOF
            return False
        if state is _State.COLUMNS_EOF:
            if first == 0xFF:
                self.error = True
                return True
            self.status = _U16.unpack_from(data, body + 3)[0] if length >= 5 else 0
            if self.status & _CURSOR_EXISTS:
                return True  # COM_STMT_EXECUTE opened a cursor: rows come with COM_STMT_FETCH
            self._state = _State.ROWS
            return False
        if state is _State.DEFS:
            self._remaining -= 1
            if self._remaining > 0:
                return False
            if self._deprecate_eof:
                return self._next_defs()
            self._state = _State.DEFS_EOF
            return False
        if state is _State.DEFS_EOF:
            return self._next_defs()
        if state is _State.FIELDS:
            if first == 0xFF:
                self.error = True
                return True
            return first == 0xFE and length < (MAX_PACKET_PAYLOAD if self._deprecate_eof else 9)
        if state is _State.SIMPLE:
            if first == 0x00:
                self._ok(data, body, length)
            elif first == 0xFF:
                self.error = True
            return True
        if state is _State.AUTH:
            if first == 0x00:
                self._ok(data, body, length)
                return True
            if first == 0xFF:
                self.error = True
                return True
            return False  # auth switch or more data: the client answers next
        raise ProtocolError(f"unexpected packet in state {state.name}")

    def _ok(self, data: bytes, body: int, length: int) -> bool:
        c = Cursor(data[body : body + min(length, _PREFIX)], 1)
        c.lenenc_int()
        c.lenenc_int()
        if self._proto41 and c.remaining() >= 4:
            self.status = c.u16()
            self.warnings = c.u16()
        return self._end_of_result()

    def _terminator(self, data: bytes, body: int, length: int) -> bool:
        if self._deprecate_eof:
            return self._ok(data, body, length)
        self.status = _U16.unpack_from(data, body + 3)[0] if length >= 5 else 0
        return self._end_of_result()

    def _end_of_result(self) -> bool:
        if self.status & _MORE_RESULTS and self._state is not _State.SIMPLE:
            self._state = _State.FIRST
            self._prepare = False
            return False
        return True

    def _prepare_ok(self, data: bytes, body: int) -> bool:
        c = Cursor(data[body : body + 12], 5)
        columns = c.u16()
        params = c.u16()
        self._pending_defs = columns
        if params:
            self._remaining = params
            self._state = _State.DEFS
            return False
        return self._next_defs()

    def _next_defs(self) -> bool:
        """After parameter definitions come column definitions; after those, the reply ends."""
        if not self._pending_defs:
            return True
        self._remaining = self._pending_defs
        self._pending_defs = 0
        self._state = _State.DEFS
        return False
