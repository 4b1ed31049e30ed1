"""Sans-IO codec tests: framing, value encoding, OK/ERR/EOF round trips, handshake packets.

Inputs are fed whole, one byte at a time, and with trailing data (h11's `tr()` habit).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from branchdb.proxy.constants import MASKED_CAPABILITIES, MAX_PACKET_PAYLOAD, Capability
from branchdb.proxy.framing import PacketReader, encode_packet
from branchdb.proxy.handshake import (
    ChangeUser,
    HandshakeResponse,
    choose_branch,
    make_change_user,
    make_handshake_response,
    parse_change_user,
    parse_greeting,
    parse_handshake_response,
)
from branchdb.proxy.wire import (
    Cursor,
    ErrPacket,
    OkPacket,
    ProtocolError,
    is_eof,
    lenenc_int,
    make_eof,
    make_err,
    make_ok,
    parse_err,
    parse_ok,
)

CAPS = int(
    Capability.PROTOCOL_41
    | Capability.SECURE_CONNECTION
    | Capability.PLUGIN_AUTH
    | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA
    | Capability.CONNECT_ATTRS
    | Capability.CONNECT_WITH_DB
    | Capability.TRANSACTIONS
)


def chunkings(data: bytes) -> Iterator[list[bytes]]:
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    yield [data[: len(data) // 2], data[len(data) // 2 :]]


@pytest.mark.parametrize("n", [0, 1, 250, 251, 65535, 65536, 1 << 24, (1 << 24) + 5, 1 << 40])
def test_lenenc_int_round_trip(n: int) -> None:
    assert Cursor(lenenc_int(n)).lenenc_int() == n


def test_reader_yields_packets_whatever_the_chunking() -> None:
    wire = encode_packet(b"hello", 0) + encode_packet(b"", 1) + encode_packet(b"x" * 300, 2)
    for chunks in chunkings(wire + b"\x05\x00"):  # trailing partial header stays buffered
        reader = PacketReader()
        got = []
        for chunk in chunks:
            reader.feed(chunk)
            while (p := reader.next_packet()) is not None:
                got.append((p.seq, p.payload))
        assert got == [(0, b"hello"), (1, b""), (2, b"x" * 300)]
        assert reader.buffered() == 2


@pytest.mark.parametrize(
    "size", [MAX_PACKET_PAYLOAD - 1, MAX_PACKET_PAYLOAD, MAX_PACKET_PAYLOAD + 7]
)
def test_large_payloads_split_and_join(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    wire = encode_packet(payload, 3)
    fragments = size // MAX_PACKET_PAYLOAD + 1
    assert len(wire) == size + 4 * fragments
    reader = PacketReader()
    reader.feed(wire)
    packet = reader.next_packet()
    assert packet is not None
    assert packet.payload == payload
    assert packet.seq == 3 and packet.last_seq == 3 + fragments - 1
    assert packet.raw == wire


def test_reader_caps_packet_size() -> None:
    reader = PacketReader(max_packet=100)
    reader.feed(encode_packet(b"x" * 101, 0))
    with pytest.raises(ProtocolError):
        reader.next_packet()


def test_ok_round_trip_with_and_without_session_track() -> None:
    ok = OkPacket(affected_rows=3, last_insert_id=70000, status=0x0003, warnings=2, info=b"x")
    for caps in (CAPS, CAPS | Capability.SESSION_TRACK):
        assert parse_ok(make_ok(ok, caps), caps) == ok


def test_err_round_trip_keeps_sqlstate() -> None:
    err = ErrPacket(1235, "42000", "branchdb: nope")
    assert parse_err(make_err(err, CAPS)) == err
    assert parse_err(b"\xff\x15\x04Access denied").sqlstate == "HY000"


def test_eof_is_only_a_short_fe_packet() -> None:
    assert is_eof(make_eof(2))
    assert not is_eof(b"\xfe" + b"\x00" * 8)  # a row starting with an 8-byte length


# A MariaDB 10.11 greeting captured from the server on these machines (salt changed).
MARIADB_GREETING = bytes.fromhex(
    "0a352e352e352d31302e31312e31392d4d6172696144422d302b646562313275310003000000"
    "3a2b3c3d3e3f404100fef72d0200ff81150000000000001d0000004142434445464748494a4b4c00"
    "6d7973716c5f6e61746976655f70617373776f726400"
)


def test_greeting_parse_and_mask() -> None:
    g = parse_greeting(MARIADB_GREETING)
    assert g.server_version.startswith("5.5.5-10.11")
    assert g.auth_plugin == "mysql_native_password"
    assert g.mariadb_ext_caps == 0x1D
    masked = g.masked()
    again = parse_greeting(masked.payload)
    assert again.capabilities & MASKED_CAPABILITIES == 0
    assert again.mariadb_ext_caps == 0
    assert again.capabilities == g.capabilities & ~MASKED_CAPABILITIES
    # everything but the capability bytes is untouched (the salt above all)
    caps_bytes = {
        *range(g._caps_low_at, g._caps_low_at + 2),
        *range(g._caps_high_at, g._caps_high_at + 2),
        *range(g._ext_caps_at, g._ext_caps_at + 4),
    }
    pairs = zip(MARIADB_GREETING, masked.payload, strict=True)
    diff = {i for i, (a, b) in enumerate(pairs) if a != b}
    assert diff and diff <= caps_bytes


def test_handshake_response_round_trip_and_branch_choice() -> None:
    r = HandshakeResponse(
        capabilities=CAPS,
        max_packet=1 << 24,
        charset=45,
        filler=bytes(23),
        user="app~feat-x",
        auth_response=bytes(range(20)),
        database="users_db",
        auth_plugin="mysql_native_password",
        attributes=(("_client_name", "libmysql"), ("branch", "attr-branch")),
    )
    payload = make_handshake_response(r)
    assert parse_handshake_response(payload) == r
    choice = choose_branch(r.user, r.attributes, None, "~")
    assert (choice.user, choice.branch, choice.source) == ("app", "attr-branch", "attribute")
    assert choice.attributes == (("_client_name", "libmysql"),)
    by_user = choose_branch("app~feat-x", None, "dflt", "~")
    assert (by_user.user, by_user.branch, by_user.source) == ("app", "feat-x", "user")
    assert choose_branch("app", None, "dflt", "~").branch == "dflt"
    assert choose_branch("app", None, None, "~").branch is None


def test_truncated_handshake_response_is_a_protocol_error() -> None:
    r = HandshakeResponse(CAPS, 1 << 24, 45, bytes(23), "u", b"x" * 20, "db", "p", (("a", "b"),))
    payload = make_handshake_response(r)
    for cut in range(0, len(payload) - 1, 7):
        with pytest.raises(ProtocolError):
            parse_handshake_response(payload[:cut])


def test_change_user_round_trip() -> None:
    cu = ChangeUser("app~b", b"\x01" * 20, "db", 45, "mysql_native_password", (("k", "v"),))
    assert parse_change_user(make_change_user(cu, CAPS), CAPS) == cu
