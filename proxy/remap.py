"""Re-address a COM_STMT_EXECUTE to a statement whose `?` are the client's parameters in another
order, some repeated.

A planned branch read of a changed table puts each predicate in both halves of its rewrite, so a
client's parameter appears there twice (or more). The rewrite is prepared upstream once with a `?`
per occurrence; each EXECUTE is rebuilt here for it, the parameters' raw bytes copied (read with
binary.py's own value layout), instead of preparing the rewrite with the values written in on
every execute.
"""

from __future__ import annotations

import struct

from branchdb.proxy.binary import bound_types, skip_value, types_offset
from branchdb.proxy.constants import Command
from branchdb.proxy.wire import Cursor, ProtocolError


def remap_execute(
    payload: bytes, n_params: int, types: bytes | None, order: tuple[int, ...], statement_id: int
) -> bytes | None:
    """The EXECUTE for `statement_id` whose i-th parameter is the client's `order[i]`; None when
    the packet is not a plain one this can rebuild (then the caller takes its general path)."""
    if len(payload) < 10 or payload[5] != 0 or not n_params:  # a cursor or array binding
        return None
    at = types_offset(n_params)  # the new-params-bound flag, after the NULL bitmap
    if at >= len(payload):
        return None
    nulls = payload[10:at]
    bound = bound_types(payload, n_params)
    if bound is not None:
        types = bound
        at += 1 + 2 * n_params
    else:
        at += 1
    if types is None or len(types) != 2 * n_params:
        return None
    values: list[bytes | None] = []
    c = Cursor(payload, at)
    try:
        for i in range(n_params):
            if nulls[i >> 3] & 1 << (i & 7):
                values.append(None)
                continue
            start = c.pos
            skip_value(c, types[2 * i])
            values.append(payload[start : c.pos])
    except ProtocolError:
        return None  # truncated
    if c.remaining():
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
