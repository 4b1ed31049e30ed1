"""Byte-level encoding of MySQL protocol values and the generic OK/ERR/EOF packets.

Pure functions and a small cursor: no I/O. Matching make_*/parse_* pairs so each can be tested by
round trip (TiProxy's habit).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from branchdb.proxy.constants import Capability

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class ProtocolError(ValueError):
    """A packet that does not follow the protocol (truncated, impossible lengths, bad markers)."""


class Cursor:
    """Reads fixed-width and length-encoded values from one packet payload."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes | memoryview, pos: int = 0) -> None:
        self.data = bytes(data)
        self.pos = pos

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def _need(self, n: int) -> None:
        if self.pos + n > len(self.data):
            raise ProtocolError(f"packet truncated: need {n} bytes at offset {self.pos}")

    def u8(self) -> int:
        self._need(1)
        v = self.data[self.pos]
        self.pos += 1
        return v

    def u16(self) -> int:
        self._need(2)
        v: int = _U16.unpack_from(self.data, self.pos)[0]
        self.pos += 2
        return v

    def u24(self) -> int:
        self._need(3)
        d = self.data
        p = self.pos
        self.pos += 3
        return d[p] | d[p + 1] << 8 | d[p + 2] << 16

    def u32(self) -> int:
        self._need(4)
        v: int = _U32.unpack_from(self.data, self.pos)[0]
        self.pos += 4
        return v

    def u64(self) -> int:
        self._need(8)
        v: int = _U64.unpack_from(self.data, self.pos)[0]
        self.pos += 8
        return v

    def lenenc_int(self) -> int | None:
        """A length-encoded integer; None for the 0xFB NULL marker (only valid in text rows)."""
        first = self.u8()
        if first < 0xFB:
            return first
        if first == 0xFB:
            return None
        if first == 0xFC:
            return self.u16()
        if first == 0xFD:
            return self.u24()
        if first == 0xFE:
            return self.u64()
        raise ProtocolError("0xFF is not a length-encoded integer")

    def lenenc_bytes(self) -> bytes | None:
        n = self.lenenc_int()
        if n is None:
            return None
        return self.take(n)

    def take(self, n: int) -> bytes:
        self._need(n)
        v = self.data[self.pos : self.pos + n]
        self.pos += n
        return v

    def nul_bytes(self) -> bytes:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise ProtocolError("missing NUL terminator")
        v = self.data[self.pos : end]
        self.pos = end + 1
        return v

    def rest(self) -> bytes:
        v = self.data[self.pos :]
        self.pos = len(self.data)
        return v


def lenenc_int(n: int) -> bytes:
    if n < 0xFB:
        return bytes((n,))
    if n < 1 << 16:
        return b"\xfc" + _U16.pack(n)
    if n < 1 << 24:
        return b"\xfd" + _U32.pack(n)[:3]
    return b"\xfe" + _U64.pack(n)


def lenenc_bytes(b: bytes) -> bytes:
    return lenenc_int(len(b)) + b


# --- generic response packets -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OkPacket:
    affected_rows: int = 0
    last_insert_id: int = 0
    status: int = 0
    warnings: int = 0
    info: bytes = b""


@dataclass(frozen=True, slots=True)
class ErrPacket:
    errno: int
    sqlstate: str
    message: str


def make_ok(ok: OkPacket, capabilities: int, *, header: int = 0x00) -> bytes:
    out = bytearray((header,))
    out += lenenc_int(ok.affected_rows)
    out += lenenc_int(ok.last_insert_id)
    if capabilities & Capability.PROTOCOL_41:
        out += _U16.pack(ok.status) + _U16.pack(ok.warnings)
    elif capabilities & Capability.TRANSACTIONS:
        out += _U16.pack(ok.status)
    if capabilities & Capability.SESSION_TRACK:
        out += lenenc_bytes(ok.info)
    else:
        out += ok.info
    return bytes(out)


def parse_ok(payload: bytes, capabilities: int) -> OkPacket:
    """Parse an OK packet (header 0x00, or 0xFE when it ends a result under DEPRECATE_EOF)."""
    c = Cursor(payload, 1)
    affected = c.lenenc_int() or 0
    insert_id = c.lenenc_int() or 0
    status = warnings = 0
    if capabilities & Capability.PROTOCOL_41:
        status = c.u16()
        warnings = c.u16()
    elif capabilities & Capability.TRANSACTIONS:
        status = c.u16()
    info = b""
    if c.remaining():
        if capabilities & Capability.SESSION_TRACK:
            info = c.lenenc_bytes() or b""
        else:
            info = c.rest()
    return OkPacket(affected, insert_id, status, warnings, info)


def make_err(err: ErrPacket, capabilities: int) -> bytes:
    out = b"\xff" + _U16.pack(err.errno)
    if capabilities & Capability.PROTOCOL_41:
        out += b"#" + err.sqlstate.encode("ascii")[:5].ljust(5, b"0")
    return out + err.message.encode("utf-8")


def parse_err(payload: bytes) -> ErrPacket:
    c = Cursor(payload, 1)
    errno = c.u16()
    sqlstate = "HY000"
    if c.remaining() and c.data[c.pos] == 0x23:  # '#': the optional SQLSTATE marker
        c.pos += 1
        sqlstate = c.take(5).decode("ascii", "replace")
    return ErrPacket(errno, sqlstate, c.rest().decode("utf-8", "replace"))


def make_eof(status: int, warnings: int = 0) -> bytes:
    return b"\xfe" + _U16.pack(warnings) + _U16.pack(status)


def eof_status(payload: bytes) -> int:
    """Server status flags of a classic EOF packet (header 0xFE, under 9 bytes)."""
    if len(payload) >= 5:
        status: int = _U16.unpack_from(payload, 3)[0]
        return status
    return 0


def is_eof(payload: bytes) -> bool:
    """A classic EOF: 0xFE and short. A longer 0xFE packet is a row or a length-encoded int."""
    return len(payload) < 9 and len(payload) > 0 and payload[0] == 0xFE
