"""Text-protocol result sets for the proxy's own queries: decode a captured reply into a
`QueryResult`, and encode a `QueryResult` (or an OK) as the packets a client expects.

Only the slow path uses this (statements the copy-on-write engine handles); the passthrough relay
never decodes rows.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from branchdb.cow.executor import Column, QueryResult, UpstreamError
from branchdb.proxy.constants import Capability, ServerStatus
from branchdb.proxy.framing import PacketReader
from branchdb.proxy.wire import (
    Cursor,
    OkPacket,
    ProtocolError,
    is_eof,
    lenenc_bytes,
    lenenc_int,
    make_eof,
    make_ok,
    parse_err,
    parse_ok,
)

_COLDEF_TAIL = struct.Struct("<BHIBHB2x")  # 0x0c, charset, length, type, flags, decimals


def decode_reply(raw: bytes, capabilities: int) -> QueryResult:
    """Decode the first result of a captured COM_QUERY reply (later results are dropped)."""
    reader = PacketReader()
    reader.feed(raw)
    packets: list[bytes] = []
    while (p := reader.next_packet()) is not None:
        packets.append(p.payload)
    if not packets:
        raise ProtocolError("empty reply")
    first = packets[0]
    if first[:1] == b"\xff":
        err = parse_err(first)
        raise UpstreamError(err.errno, err.sqlstate, err.message)
    if first[:1] == b"\x00":
        ok = parse_ok(first, capabilities)
        return QueryResult(
            affected_rows=ok.affected_rows,
            insert_id=ok.last_insert_id,
            warnings=ok.warnings,
            status=ok.status,
            info=ok.info.decode("utf-8", "replace"),
        )
    ncols = Cursor(first).lenenc_int() or 0
    columns = tuple(decode_column(packets[1 + i]) for i in range(ncols))
    i = 1 + ncols
    deprecate_eof = bool(capabilities & Capability.DEPRECATE_EOF)
    if not deprecate_eof:
        i += 1  # the EOF after the column definitions
    rows: list[tuple[bytes | None, ...]] = []
    status = warnings = 0
    while i < len(packets):
        payload = packets[i]
        i += 1
        head = payload[:1]
        if head == b"\xff":
            err = parse_err(payload)
            raise UpstreamError(err.errno, err.sqlstate, err.message)
        if head == b"\xfe" and (is_eof(payload) or (deprecate_eof and len(payload) < 0xFFFFFF)):
            if deprecate_eof:
                ok = parse_ok(payload, capabilities)
                status, warnings = ok.status, ok.warnings
            else:
                c = Cursor(payload, 1)
                warnings = c.u16()
                status = c.u16()
            break
        c = Cursor(payload)
        rows.append(tuple(c.lenenc_bytes() for _ in range(ncols)))
    return QueryResult(columns=columns, rows=rows, warnings=warnings, status=status)


def decode_column(payload: bytes) -> Column:
    c = Cursor(payload)
    c.lenenc_bytes()  # catalog, always "def"
    db, table, org_table, name, org_name = (
        (c.lenenc_bytes() or b"").decode("utf-8", "replace") for _ in range(5)
    )
    _, charset, length, type_code, flags, decimals = _COLDEF_TAIL.unpack_from(c.data, c.pos)
    return Column(
        name=name,
        type_code=type_code,
        flags=flags,
        charset=charset,
        org_table=org_table,
        table=table,
        org_name=org_name,
        db=db,
        length=length,
        decimals=decimals,
    )


def encode_column(col: Column) -> bytes:
    parts = (b"def", col.db, col.table, col.org_table, col.name, col.org_name)
    head = b"".join(lenenc_bytes(p if isinstance(p, bytes) else p.encode("utf-8")) for p in parts)
    return head + _COLDEF_TAIL.pack(
        0x0C, col.charset, col.length, col.type_code, col.flags, col.decimals
    )


def encode_row(row: tuple[bytes | None, ...]) -> bytes:
    return b"".join(b"\xfb" if v is None else lenenc_bytes(v) for v in row)


def encode_result(
    result: QueryResult,
    capabilities: int,
    status: int,
    encode: Callable[[tuple[bytes | None, ...]], bytes] = encode_row,
) -> list[bytes]:
    """The payloads of a reply for `result`, ending with `status` flags: rows in the text
    protocol, or in another encoding (`encode`, e.g. binary rows for COM_STMT_EXECUTE)."""
    if not result.columns:
        ok = OkPacket(
            result.affected_rows, result.insert_id, status, result.warnings, result.info.encode()
        )
        return [make_ok(ok, capabilities)]
    out = [lenenc_int(len(result.columns))]
    out += [encode_column(c) for c in result.columns]
    deprecate_eof = bool(capabilities & Capability.DEPRECATE_EOF)
    if not deprecate_eof:
        out.append(make_eof(status & ~ServerStatus.MORE_RESULTS_EXISTS))
    out += [encode(r) for r in result.rows]
    if deprecate_eof:
        out.append(make_ok(OkPacket(0, 0, status, result.warnings), capabilities, header=0xFE))
    else:
        out.append(make_eof(status, result.warnings))
    return out
