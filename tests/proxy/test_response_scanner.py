"""The reply scanner finds the end of every reply shape, whatever the chunking."""

from __future__ import annotations

import pytest

from branchdb.proxy.constants import MAX_PACKET_PAYLOAD, Capability, ServerStatus
from branchdb.proxy.framing import packets_after
from branchdb.proxy.response import Reply, ResponseScanner
from branchdb.proxy.wire import ErrPacket, OkPacket, lenenc_bytes, make_eof, make_err, make_ok

BASE = int(Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.TRANSACTIONS)
DEP = BASE | Capability.DEPRECATE_EOF
MORE = int(ServerStatus.MORE_RESULTS_EXISTS)


def ok(caps: int, status: int = 2, header: int = 0) -> bytes:
    return make_ok(OkPacket(1, 0, status, 0), caps, header=header)


def row(*values: bytes) -> bytes:
    return b"".join(lenenc_bytes(v) for v in values)


def result_set(caps: int, ncols: int, rows: list[bytes], status: int = 2) -> list[bytes]:
    out = [bytes((ncols,))] + [b"\x03def" + bytes(20) for _ in range(ncols)]
    if not caps & Capability.DEPRECATE_EOF:
        out.append(make_eof(status))
    out += rows
    out.append(ok(caps, status, 0xFE) if caps & Capability.DEPRECATE_EOF else make_eof(status))
    return out


def feed_all(scanner: ResponseScanner, wire: bytes, step: int) -> int:
    """Feed `wire` in chunks of `step`; return the absolute end offset reported, or -1."""
    fed = 0
    for i in range(0, len(wire), step):
        chunk = wire[i : i + step]
        end = scanner.feed(chunk)
        if end >= 0:
            return fed + end
        fed += len(chunk)
    return -1


CASES = {
    "ok": (Reply.RESULT, lambda c: [ok(c)]),
    "err": (Reply.RESULT, lambda c: [make_err(ErrPacket(1146, "42S02", "no"), c)]),
    "rows": (Reply.RESULT, lambda c: result_set(c, 2, [row(b"1", b"a"), row(b"2", b"b")])),
    "row starting with 0xFE-long": (
        Reply.RESULT,
        lambda c: result_set(c, 1, [lenenc_bytes(b"x" * 70000)]),
    ),
    "multi results": (
        Reply.RESULT,
        lambda c: (
            result_set(c, 1, [row(b"1")], status=2 | MORE)
            + [ok(c, 2 | MORE)]
            + result_set(c, 1, [row(b"2")])
        ),
    ),
    "error mid rows": (
        Reply.RESULT,
        lambda c: result_set(c, 1, [row(b"1")])[:-1] + [make_err(ErrPacket(1317, "70100", "x"), c)],
    ),
    "prepare": (
        Reply.PREPARE,
        lambda c: (
            [b"\x00\x01\x00\x00\x00\x02\x00\x03\x00\x00\x00\x00"]
            + [b"\x03def" + bytes(20)] * 3
            + ([] if c & Capability.DEPRECATE_EOF else [make_eof(2)])
            + [b"\x03def" + bytes(20)] * 2
            + ([] if c & Capability.DEPRECATE_EOF else [make_eof(2)])
        ),
    ),
    "prepare no params no columns": (
        Reply.PREPARE,
        lambda c: [b"\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"],
    ),
    "field list": (
        Reply.FIELDS,
        lambda c: [b"\x03def" + bytes(20)] * 2 + [make_eof(2)],
    ),
    "fetch": (Reply.ROWS, lambda c: [row(b"1"), row(b"2"), make_eof(2 | 0x80)]),
    "simple statistics": (Reply.SIMPLE, lambda c: [b"Uptime: 5  Threads: 1"]),
    "auth switch then ok": (Reply.AUTH, lambda c: [b"\x01\x03", ok(c)]),
}


@pytest.mark.parametrize("caps", [BASE, DEP], ids=["eof", "deprecate_eof"])
@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("step", [1, 3, 1 << 20])
def test_scanner_finds_the_end(name: str, caps: int, step: int) -> None:
    reply, build = CASES[name]
    wire = packets_after(1, build(caps))
    if name == "row starting with 0xFE-long" and step == 1:
        step = 997  # byte-at-a-time over 70 kB is slow and proves nothing new
    scanner = ResponseScanner(caps)
    scanner.start(reply)
    assert feed_all(scanner, wire + b"trailing", step) == len(wire)
    assert not scanner.busy


def test_scanner_reports_status_and_errors() -> None:
    scanner = ResponseScanner(DEP)
    scanner.start(Reply.RESULT)
    assert scanner.feed(packets_after(1, [ok(DEP, status=ServerStatus.IN_TRANS)])) >= 0
    assert scanner.status & ServerStatus.IN_TRANS and not scanner.error
    scanner.start(Reply.RESULT)
    assert scanner.feed(packets_after(1, [make_err(ErrPacket(1, "HY000", "x"), DEP)])) >= 0
    assert scanner.error


def test_scanner_pauses_for_local_infile() -> None:
    scanner = ResponseScanner(BASE)
    scanner.start(Reply.RESULT)
    assert scanner.feed(packets_after(1, [b"\xfb/tmp/data.csv"])) == -1
    assert scanner.awaiting_infile
    scanner.infile_sent()
    assert scanner.feed(packets_after(4, [ok(BASE)])) >= 0


def test_scanner_handles_a_reply_packet_larger_than_16_mib() -> None:
    big = lenenc_bytes(b"y" * (MAX_PACKET_PAYLOAD + 10))
    wire = packets_after(1, result_set(DEP, 1, [big]))
    scanner = ResponseScanner(DEP)
    scanner.start(Reply.RESULT)
    assert feed_all(scanner, wire, 65536) == len(wire)
