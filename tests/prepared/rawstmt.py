"""A hand-driven binary-protocol client: the exact bytes of prepared-statement replies.

Type round-trip tests compare binary rows byte for byte (branch vs real copy, the proxy's own
encoder vs the server's), which no driver exposes.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxy.rawclient import RawClient

from branchdb.cow.executor import Column
from branchdb.proxy.binary import parse_prepare_ok
from branchdb.proxy.resultset import decode_column
from branchdb.proxy.wire import parse_err


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

    def execute(self, stmt_id: int) -> BinaryResult:
        """Execute a statement without parameters."""
        self.raw.send(b"\x17" + stmt_id.to_bytes(4, "little") + b"\x00\x01\x00\x00\x00", 0)
        first = self._read()
        if first[:1] == b"\x00":
            return BinaryResult([], [])
        ncols = first[0]
        columns = [decode_column(self._read()) for _ in range(ncols)]
        rows: list[bytes] = []
        while True:
            p = self._read()
            if p[:1] == b"\xfe" and len(p) < 0xFFFFFF:
                return BinaryResult(columns, rows)
            rows.append(p)

    def close(self) -> None:
        self.raw.send(b"\x01", 0)
        self.raw.close()
