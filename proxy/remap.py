"""Re-address a COM_STMT_EXECUTE to a statement whose `?` are the client's parameters in another
order, some repeated.

A planned branch read of a changed table puts each predicate in both halves of its rewrite, so a
client's parameter appears there twice (or more). The rewrite is prepared upstream once with a `?`
per occurrence; each EXECUTE is rebuilt here for it, raw parameter bytes copied (no decoding of
values), instead of preparing the rewrite with the values written in on every execute.
"""

from __future__ import annotations

import struct

from branchdb.proxy.constants import Command, FieldType

_FIXED: dict[int, int] = {
    FieldType.TINY: 1,
    FieldType.SHORT: 2,
    FieldType.YEAR: 2,
    FieldType.LONG: 4,
    FieldType.INT24: 4,
    FieldType.FLOAT: 4,
    FieldType.LONGLONG: 8,
    FieldType.DOUBLE: 8,
    FieldType.NULL: 0,
}
_TEMPORAL = frozenset({FieldType.DATE, FieldType.DATETIME, FieldType.TIMESTAMP, FieldType.TIME})


def remap_execute(
    payload: bytes, n_params: int, types: bytes | None, order: tuple[int, ...], statement_id: int
) -> bytes | None:
    """The EXECUTE for `statement_id` whose i-th parameter is the client's `order[i]`; None when
    the packet is not a plain one this can rebuild (then the caller takes its general path)."""
    if len(payload) < 10 or payload[5] != 0 or not n_params:  # a cursor or array binding
        return None
    at = 10
    nulls = payload[at : at + (n_params + 7) // 8]
    at += len(nulls)
    if at >= len(payload):
        return None
    if payload[at]:
        types = payload[at + 1 : at + 1 + 2 * n_params]
        at += 1 + 2 * n_params
    else:
        at += 1
    if types is None or len(types) != 2 * n_params:
        return None
    values: list[bytes | None] = []
    for i in range(n_params):
        if nulls[i >> 3] & 1 << (i & 7):
            values.append(None)
            continue
        end = _value_end(payload, at, types[2 * i])
        if end is None:
            return None
        values.append(payload[at:end])
        at = end
    if at != len(payload):
        return None  # trailing bytes: not the layout this expects
    n = len(order)
    bitmap = bytearray((n + 7) // 8)
    new_types = bytearray()
    body = bytearray()
    for j, i in enumerate(order):
        new_types += types[2 * i : 2 * i + 2]
        value = values[i]
        if value is None:
            bitmap[j >> 3] |= 1 << (j & 7)
        else:
            body += value
    head = struct.pack("<BIBI", Command.STMT_EXECUTE, statement_id, 0, 1)
    return head + bytes(bitmap) + b"\x01" + bytes(new_types) + bytes(body)


def _value_end(payload: bytes, at: int, type_code: int) -> int | None:
    """Where the binary-protocol value of `type_code` starting at `at` ends."""
    size = _FIXED.get(type_code)
    if size is not None:
        end = at + size
    elif type_code in _TEMPORAL:
        if at >= len(payload):
            return None
        end = at + 1 + payload[at]
    else:
        if at >= len(payload):
            return None
        first = payload[at]
        if first < 0xFB:
            length, at = first, at + 1
        elif first == 0xFC:
            length, at = int.from_bytes(payload[at + 1 : at + 3], "little"), at + 3
        elif first == 0xFD:
            length, at = int.from_bytes(payload[at + 1 : at + 4], "little"), at + 4
        elif first == 0xFE:
            length, at = int.from_bytes(payload[at + 1 : at + 9], "little"), at + 9
        else:
            return None
        end = at + length
    return end if end <= len(payload) else None
