"""Binary (prepared-statement) protocol pieces the branch path builds or reads itself. No I/O.

A branch session answers some prepared statements without a matching upstream statement (writes
and DDL the copy-on-write engine runs with concrete values), so the proxy must read
COM_STMT_EXECUTE parameters into SQL literals, make COM_STMT_PREPARE_OK replies, and encode
binary result rows from text values. Statements the upstream prepares itself only get their
4-byte statement id swapped.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from branchdb.cow.executor import Column, QueryResult
from branchdb.proxy.constants import Capability, FieldType, ServerStatus
from branchdb.proxy.resultset import encode_column, encode_result
from branchdb.proxy.wire import (
    Cursor,
    OkPacket,
    ProtocolError,
    lenenc_bytes,
    lenenc_int,
    make_eof,
    make_ok,
)
from branchdb.sqlrewrite.classify import code_positions

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_PREPARE_OK = struct.Struct("<BIHHBH")  # 0x00, statement id, columns, params, filler, warnings

#: Column flag: the integer column is UNSIGNED. Parameter types carry 0x80 in their second byte.
UNSIGNED_FLAG = 0x20
PARAM_UNSIGNED = 0x80
_BINARY_CHARSET = 63

#: Cursor types a client may ask for in COM_STMT_EXECUTE's flags byte.
CURSOR_TYPE_READ_ONLY = 0x01

_INT_WIDTH = {
    FieldType.TINY: 1,
    FieldType.SHORT: 2,
    FieldType.YEAR: 2,
    FieldType.INT24: 4,
    FieldType.LONG: 4,
    FieldType.LONGLONG: 8,
}
_TEMPORAL = frozenset(
    {
        FieldType.DATE,
        FieldType.NEWDATE,
        FieldType.DATETIME,
        FieldType.TIMESTAMP,
        FieldType.DATETIME2,
        FieldType.TIMESTAMP2,
    }
)
_TIMES = frozenset({FieldType.TIME, FieldType.TIME2})
_BLOBS = frozenset(
    {FieldType.TINY_BLOB, FieldType.MEDIUM_BLOB, FieldType.LONG_BLOB, FieldType.BLOB}
)


# --- COM_STMT_PREPARE_OK -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrepareOk:
    statement_id: int
    columns: int
    params: int
    warnings: int = 0


def parse_prepare_ok(payload: bytes) -> PrepareOk:
    if len(payload) < 9 or payload[0] != 0:
        raise ProtocolError("not a COM_STMT_PREPARE_OK packet")
    c = Cursor(payload, 1)
    stmt_id, columns, params = c.u32(), c.u16(), c.u16()
    warnings = 0
    if c.remaining() >= 3:
        c.u8()
        warnings = c.u16()
    return PrepareOk(stmt_id, columns, params, warnings)


def make_prepare_ok(ok: PrepareOk) -> bytes:
    return _PREPARE_OK.pack(0, ok.statement_id, ok.columns, ok.params, 0, ok.warnings)


def with_statement_id(payload: bytes, statement_id: int) -> bytes:
    """The same COM_STMT_* command (or PREPARE_OK) payload naming another statement id."""
    return payload[:1] + _U32.pack(statement_id) + payload[5:]


def statement_id_of(payload: bytes) -> int:
    if len(payload) < 5:
        raise ProtocolError("COM_STMT_* packet without a statement id")
    v: int = _U32.unpack_from(payload, 1)[0]
    return v


#: What MariaDB and MySQL send for each `?` of a prepared statement: a nameless binary column.
PARAM_DEFINITION = Column(name="?", type_code=FieldType.NULL, flags=0x80, charset=_BINARY_CHARSET)


def prepare_reply(
    ok: PrepareOk, params: list[bytes], columns: list[bytes], capabilities: int, status: int
) -> list[bytes]:
    """The payloads of a PREPARE_OK reply: header, parameter and column definitions, EOFs."""
    out = [make_prepare_ok(ok)]
    eof = not capabilities & Capability.DEPRECATE_EOF
    for block in (params, columns):
        if block:
            out += block
            if eof:
                out.append(make_eof(status))
    return out


def fabricated_params(count: int) -> list[bytes]:
    return [encode_column(PARAM_DEFINITION)] * count


# --- COM_STMT_EXECUTE ----------------------------------------------------------------------

#: A decoded parameter: None (NULL), an int, a float, a temporal literal text (str), or bytes.
Value = None | int | float | str | bytes


@dataclass(frozen=True, slots=True)
class Execute:
    statement_id: int
    flags: int
    types: bytes | None  # 2 bytes per parameter, as sent; None when the client sent none now
    values: list[Value]


def types_offset(n_params: int) -> int:
    """Where the new-params-bound flag sits in a COM_STMT_EXECUTE payload."""
    return 10 + (n_params + 7) // 8


def bound_types(payload: bytes, n_params: int) -> bytes | None:
    """The parameter types an EXECUTE carries (None when its new-params-bound flag is 0)."""
    if not n_params:
        return None
    at = types_offset(n_params)
    if len(payload) <= at or not payload[at]:
        return None
    return payload[at + 1 : at + 1 + 2 * n_params]


def with_types(payload: bytes, n_params: int, types: bytes) -> bytes:
    """The same EXECUTE with its types bound: for an upstream statement that never saw them."""
    at = types_offset(n_params)
    if payload[at]:
        return payload
    return payload[:at] + b"\x01" + types + payload[at + 1 :]


def decode_execute(
    payload: bytes, n_params: int, previous: bytes | None, long_data: dict[int, bytes]
) -> Execute:
    """Read the parameters of COM_STMT_EXECUTE.

    `previous` are the types of the last execute (a client binds them once); `long_data` holds
    parameters sent with COM_STMT_SEND_LONG_DATA, whose values the packet leaves out.
    """
    c = Cursor(payload, 1)
    stmt_id = c.u32()
    flags = c.u8()
    c.u32()  # iteration count, always 1
    if not n_params:
        return Execute(stmt_id, flags, None, [])
    nulls = c.take((n_params + 7) // 8)
    bound = c.u8()
    types = c.take(2 * n_params) if bound else previous
    if types is None:
        if all(nulls[i >> 3] & 1 << (i & 7) or i in long_data for i in range(n_params)):
            types = bytes(2 * n_params)  # no value to read: types do not matter
        else:
            raise ProtocolError("COM_STMT_EXECUTE without parameter types")
    values: list[Value] = []
    for i in range(n_params):
        if nulls[i >> 3] & 1 << (i & 7):
            values.append(None)
        elif i in long_data:
            values.append(long_data[i])
        else:
            values.append(_read_value(c, types[2 * i], bool(types[2 * i + 1] & PARAM_UNSIGNED)))
    return Execute(stmt_id, flags, types if bound else None, values)


def skip_value(c: Cursor, type_code: int) -> None:
    """Move `c` past one binary-protocol parameter value of `type_code` (ProtocolError when
    the payload ends first)."""
    _read_value(c, type_code, False)


def _read_value(c: Cursor, type_code: int, unsigned: bool) -> Value:
    width = _INT_WIDTH.get(type_code)  # type: ignore[call-overload]
    if width is not None:
        return int.from_bytes(c.take(width), "little", signed=not unsigned)
    if type_code == FieldType.FLOAT:
        v: float = struct.unpack("<f", c.take(4))[0]
        return v
    if type_code == FieldType.DOUBLE:
        d: float = struct.unpack("<d", c.take(8))[0]
        return d
    if type_code == FieldType.NULL:
        return None
    if type_code in _TEMPORAL:
        return _read_datetime(c, type_code in (FieldType.DATE, FieldType.NEWDATE))
    if type_code in _TIMES:
        return _read_time(c)
    data = c.lenenc_bytes()
    if data is None:
        raise ProtocolError("NULL marker inside a parameter value")
    return data


def _read_datetime(c: Cursor, date_only: bool) -> str:
    n = c.u8()
    b = c.take(n)
    year = month = day = hour = minute = second = micro = 0
    if n >= 4:
        year, month, day = _U16.unpack_from(b)[0], b[2], b[3]
    if n >= 7:
        hour, minute, second = b[4], b[5], b[6]
    if n >= 11:
        micro = _U32.unpack_from(b, 7)[0]
    out = f"{year:04d}-{month:02d}-{day:02d}"
    if date_only and n <= 4:
        return out
    out += f" {hour:02d}:{minute:02d}:{second:02d}"
    return out + (f".{micro:06d}" if micro else "")


def _read_time(c: Cursor) -> str:
    n = c.u8()
    b = c.take(n)
    if n < 8:
        return "00:00:00"
    negative, days, hour, minute, second = b[0], _U32.unpack_from(b, 1)[0], b[5], b[6], b[7]
    micro = _U32.unpack_from(b, 8)[0] if n >= 12 else 0
    text = f"{'-' if negative else ''}{days * 24 + hour:02d}:{minute:02d}:{second:02d}"
    return text + (f".{micro:06d}" if micro else "")


def sql_literal(value: Value, type_code: int, no_backslash_escapes: bool) -> str:
    """`value` as SQL text that means what the bound parameter meant.

    Strings keep their bytes (surrogate-escaped, the session re-encodes them byte for byte) and
    so take the connection's character set and collation, as a bound string does. Binary
    parameters (BLOB types, bytes that are not text) travel as hex.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if text in ("inf", "-inf", "nan"):
            return "NULL"
        return text if "e" in text else text + "e0"
    if isinstance(value, str):
        return f"'{value}'"
    if type_code in (FieldType.DECIMAL, FieldType.NEWDECIMAL) and _is_number(value):
        return value.decode("ascii")
    if type_code in _BLOBS or type_code == FieldType.GEOMETRY:
        return "X'" + value.hex() + "'" if value else "''"
    return quote_bytes(value, no_backslash_escapes)


def _is_number(value: bytes) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return all(ch in b"0123456789+-.eE" for ch in value)


_ESCAPES = {0: "\\0", 10: "\\n", 13: "\\r", 26: "\\Z", 39: "\\'", 92: "\\\\"}


def quote_bytes(value: bytes, no_backslash_escapes: bool) -> str:
    """A quoted string literal with exactly these bytes (surrogate-escaped str)."""
    text = value.decode("utf-8", "surrogateescape")
    if no_backslash_escapes:
        return "'" + text.replace("'", "''") + "'"
    return "'" + "".join(_ESCAPES.get(ord(ch), ch) if ord(ch) < 128 else ch for ch in text) + "'"


# --- placeholders --------------------------------------------------------------------------


def placeholder_positions(sql: str) -> list[int]:
    """Offsets of the `?` placeholders: outside quotes and comments, inside `/*! ... */`."""
    return code_positions(sql, "?")


def substitute(sql: str, literals: list[str]) -> str:
    """`sql` with its placeholders replaced by `literals`, in order."""
    positions = placeholder_positions(sql)
    if len(positions) != len(literals):
        raise ValueError(f"{len(positions)} placeholders, {len(literals)} values")
    parts: list[str] = []
    last = 0
    for pos, lit in zip(positions, literals, strict=True):
        parts.append(sql[last:pos])
        parts.append(lit)
        last = pos + 1
    parts.append(sql[last:])
    return "".join(parts)


# --- binary result rows --------------------------------------------------------------------


def encode_binary_row(columns: tuple[Column, ...], row: tuple[bytes | None, ...]) -> bytes:
    """One binary-protocol row from the text-protocol values of a result."""
    bitmap = bytearray((len(columns) + 9) // 8)
    body = bytearray()
    for i, (col, value) in enumerate(zip(columns, row, strict=True)):
        if value is None:
            bitmap[(i + 2) >> 3] |= 1 << ((i + 2) & 7)
            continue
        body += binary_value(col, value)
    return b"\x00" + bytes(bitmap) + bytes(body)


def binary_value(col: Column, value: bytes) -> bytes:
    t = col.type_code
    width = _INT_WIDTH.get(t)  # type: ignore[call-overload]
    if width is not None:
        n = int(value)
        signed = not col.flags & UNSIGNED_FLAG
        if n < 0:
            signed = True
        return n.to_bytes(width, "little", signed=signed)
    if t == FieldType.FLOAT:
        return struct.pack("<f", float(value))
    if t == FieldType.DOUBLE:
        return struct.pack("<d", float(value))
    if t in _TEMPORAL:
        return _datetime_bytes(value.decode("ascii"))
    if t in _TIMES:
        return _time_bytes(value.decode("ascii"))
    return lenenc_bytes(value)


def _datetime_bytes(text: str) -> bytes:
    date, _, clock = text.partition(" ")
    year, month, day = (int(p) for p in date.split("-"))
    hour = minute = second = micro = 0
    if clock:
        hms, _, frac = clock.partition(".")
        hour, minute, second = (int(p) for p in hms.split(":"))
        micro = int(frac.ljust(6, "0")[:6]) if frac else 0
    if micro:
        return b"\x0b" + struct.pack("<HBBBBBI", year, month, day, hour, minute, second, micro)
    if hour or minute or second:
        return b"\x07" + struct.pack("<HBBBBB", year, month, day, hour, minute, second)
    if year or month or day:
        return b"\x04" + struct.pack("<HBB", year, month, day)
    return b"\x00"


def _time_bytes(text: str) -> bytes:
    negative = text.startswith("-")
    hms, _, frac = text.lstrip("-").partition(".")
    hours, minute, second = (int(p) for p in hms.split(":"))
    micro = int(frac.ljust(6, "0")[:6]) if frac else 0
    days, hour = divmod(hours, 24)
    if micro:
        return b"\x0c" + struct.pack("<BIBBBI", negative, days, hour, minute, second, micro)
    if days or hour or minute or second:
        return b"\x08" + struct.pack("<BIBBB", negative, days, hour, minute, second)
    return b"\x00"


def encode_binary_result(result: QueryResult, capabilities: int, status: int) -> list[bytes]:
    """The payloads of a COM_STMT_EXECUTE reply for `result` (OK, or a binary result set)."""
    columns = result.columns
    return encode_result(result, capabilities, status, lambda row: encode_binary_row(columns, row))


def _terminator(capabilities: int, status: int, warnings: int) -> bytes:
    if capabilities & Capability.DEPRECATE_EOF:
        return make_ok(OkPacket(0, 0, status, warnings), capabilities, header=0xFE)
    return make_eof(status, warnings)


def cursor_open_reply(result: QueryResult, capabilities: int, status: int) -> list[bytes]:
    """An EXECUTE reply that opens a read-only cursor: metadata, then CURSOR_EXISTS."""
    out = [lenenc_int(len(result.columns))]
    out += [encode_column(c) for c in result.columns]
    out.append(_terminator(capabilities, status | ServerStatus.CURSOR_EXISTS, result.warnings))
    return out


def fetch_reply(rows: list[bytes], capabilities: int, status: int, last: bool) -> list[bytes]:
    """A COM_STMT_FETCH reply: some binary rows, then CURSOR_EXISTS (and LAST_ROW_SENT)."""
    status |= ServerStatus.CURSOR_EXISTS
    if last:
        status |= ServerStatus.LAST_ROW_SENT
    return [*rows, _terminator(capabilities, status, 0)]
