"""proxy/remap.py rebuilds a COM_STMT_EXECUTE for a statement whose `?` are the client's
parameters reordered and repeated: decoding the rebuilt packet gives the values in that order."""

from __future__ import annotations

import struct

from branchdb.proxy.binary import decode_execute
from branchdb.proxy.constants import FieldType
from branchdb.proxy.remap import remap_execute


def _lenenc(b: bytes) -> bytes:
    return bytes((len(b),)) + b


def _execute(flags: int = 0, bound: bool = True) -> bytes:
    types = [
        FieldType.LONGLONG,
        FieldType.VAR_STRING,
        FieldType.NULL,
        FieldType.DATETIME,
        FieldType.NEWDECIMAL,
        FieldType.TINY,
    ]
    nulls = bytes((0b00000100,))  # parameter 2 is NULL
    values = (
        struct.pack("<q", -42)
        + _lenenc("héllo".encode())
        + bytes((7,))
        + struct.pack("<HBBBBB", 2026, 11, 26, 8, 45, 30)
        + _lenenc(b"12.50")
        + bytes((200,))
    )
    head = struct.pack("<BIBI", 0x17, 5, flags, 1) + nulls
    if not bound:
        return head + b"\x00" + values
    typebytes = b"".join(struct.pack("<BB", t, 0) for t in types)
    return head + b"\x01" + typebytes + values


def test_remap_reorders_and_repeats_raw_values() -> None:
    original = decode_execute(_execute(), 6, None, {})
    order = (5, 0, 1, 0, 2, 3, 4, 1)
    rebuilt = remap_execute(_execute(), 6, None, order, 99)
    assert rebuilt is not None
    again = decode_execute(rebuilt, len(order), None, {})
    assert again.statement_id == 99
    assert again.values == [original.values[i] for i in order]
    assert again.types is not None and original.types is not None
    assert again.types == b"".join(original.types[2 * i : 2 * i + 2] for i in order)


def test_remap_uses_earlier_types_and_refuses_what_it_cannot_rebuild() -> None:
    first = decode_execute(_execute(), 6, None, {})
    assert first.types is not None
    rebuilt = remap_execute(_execute(bound=False), 6, first.types, (1, 1), 7)
    assert rebuilt is not None
    assert decode_execute(rebuilt, 2, None, {}).values == [first.values[1]] * 2
    assert remap_execute(_execute(bound=False), 6, None, (0,), 7) is None  # no types known
    assert remap_execute(_execute(flags=1), 6, None, (0,), 7) is None  # a cursor
    assert remap_execute(_execute()[:-3], 6, None, (0,), 7) is None  # truncated
