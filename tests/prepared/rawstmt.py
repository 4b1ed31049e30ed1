"""A hand-driven binary-protocol client: the exact bytes of prepared-statement replies.

Type round-trip tests compare binary rows byte for byte (branch vs real copy, the proxy's own
encoder vs the server's), which no driver exposes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from proxy.rawclient import CLIENT_CAPS, RawClient

from branchdb.cow.executor import Column
from branchdb.proxy.binary import parse_prepare_ok
from branchdb.proxy.constants import ServerStatus
from branchdb.proxy.resultset import decode_column
from branchdb.proxy.wire import parse_err, parse_ok


class ServerError(Exception):
    pass


@dataclass
class BinaryResult:
    columns: list[Column]
    rows: list[bytes]  # raw binary row payloads


class StmtClient:
    def __init__(self, host: str, port: int, user: str, db: str) -> None:
        self.raw = RawClient(host, port)
        ok = self.raw.login(user)
        assert ok is not None and ok.payload[:1] == b"\x00", ok
        self.query(f"USE `{db}`")

    def _read(self) -> bytes:
        packet = self.raw.read()
        assert packet is not None, "connection closed"
        if packet.payload[:1] == b"\xff":
            raise ServerError(parse_err(packet.payload))
        return packet.payload

    def query(self, sql: str) -> None:
        """A text query whose result (if any) is skipped."""
        self.raw.send(b"\x03" + sql.encode(), 0)
        first = self._read()
        if first[:1] == b"\x00":
            return
        while True:
            p = self._read()
            if p[:1] == b"\xfe" and len(p) < 0xFFFFFF:
                return

    def prepare(self, sql: str) -> tuple[int, int, int]:
        self.raw.send(b"\x16" + sql.encode(), 0)
        ok = parse_prepare_ok(self._read())
        for _ in range(ok.params + ok.columns):  # DEPRECATE_EOF: no EOF packets
            self._read()
        return ok.statement_id, ok.params, ok.columns

    def execute(
        self, stmt_id: int, params: list[int] | None = None, *, bind: bool = True, flags: int = 0
    ) -> BinaryResult:
        """Execute with LONGLONG parameters (`bind` False: rely on the types bound before)."""
        payload = b"\x17" + struct.pack("<IBI", stmt_id, flags, 1)
        if params:
            payload += bytes((len(params) + 7) // 8) + (b"\x01" if bind else b"\x00")
            if bind:
                payload += b"\x08\x00" * len(params)
            payload += b"".join(struct.pack("<q", v) for v in params)
        self.raw.send(payload, 0)
        first = self._read()
        if first[:1] == b"\x00":
            return BinaryResult([], [])
        ncols = first[0]
        columns = [decode_column(self._read()) for _ in range(ncols)]
        return BinaryResult(columns, self._rows()[0])

    def fetch(self, stmt_id: int, count: int) -> tuple[list[bytes], bool]:
        """COM_STMT_FETCH: the rows, and whether the cursor is exhausted."""
        self.raw.send(b"\x1c" + struct.pack("<II", stmt_id, count), 0)
        return self._rows()

    def _rows(self) -> tuple[list[bytes], bool]:
        rows: list[bytes] = []
        while True:
            p = self._read()
            if p[:1] == b"\xfe" and len(p) < 0xFFFFFF:
                status = parse_ok(p, CLIENT_CAPS).status
                return rows, bool(status & ServerStatus.LAST_ROW_SENT)
            rows.append(p)

    def reset(self, stmt_id: int) -> None:
        self.raw.send(b"\x1a" + struct.pack("<I", stmt_id), 0)
        self._read()

    def close_stmt(self, stmt_id: int) -> None:
        self.raw.send(b"\x19" + struct.pack("<I", stmt_id), 0)

    def close(self) -> None:
        self.raw.send(b"\x01", 0)
        self.raw.close()
