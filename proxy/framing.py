"""Packet framing: 3-byte length + 1-byte sequence id, with 16 MiB continuation. No I/O.

`PacketReader` is fed whatever the socket delivered and hands back whole logical packets (the
fragments of a payload of 2^24-1 bytes or more joined together), with the original bytes kept so
a relay can forward them without re-encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from branchdb.proxy.constants import MAX_PACKET_PAYLOAD
from branchdb.proxy.wire import ProtocolError

#: Default cap for one logical packet held in memory: the largest max_allowed_packet MySQL accepts.
DEFAULT_MAX_PACKET = 1 << 30


@dataclass(frozen=True, slots=True)
class Packet:
    seq: int  # sequence id of the first fragment
    last_seq: int  # sequence id of the last fragment (== seq unless the payload was split)
    payload: bytes
    raw: bytes  # the exact bytes on the wire, all fragments with their headers


class PacketReader:
    """Buffers bytes and splits them into logical packets."""

    __slots__ = ("_buf", "max_packet")

    def __init__(self, max_packet: int = DEFAULT_MAX_PACKET) -> None:
        self._buf = bytearray()
        self.max_packet = max_packet

    def feed(self, data: bytes) -> None:
        self._buf += data

    def buffered(self) -> int:
        return len(self._buf)

    def take_raw(self) -> bytes:
        """Everything buffered, unparsed (used when the reader is retired mid-stream)."""
        data = bytes(self._buf)
        self._buf.clear()
        return data

    def next_packet(self) -> Packet | None:
        """The next whole logical packet, or None until more bytes arrive.

        Raises ProtocolError when a packet is larger than `max_packet`, so a peer cannot make the
        proxy buffer without bound.
        """
        buf = self._buf
        pos = 0
        total = 0
        first_seq = -1
        seq = 0
        fragments: list[bytes] = []
        while True:
            if len(buf) < pos + 4:
                return None
            length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
            seq = buf[pos + 3]
            if first_seq < 0:
                first_seq = seq
            total += length
            if total > self.max_packet:
                raise ProtocolError(f"packet of more than {self.max_packet} bytes")
            if len(buf) < pos + 4 + length:
                return None
            fragments.append(bytes(buf[pos + 4 : pos + 4 + length]))
            pos += 4 + length
            if length < MAX_PACKET_PAYLOAD:
                break
        raw = bytes(buf[:pos])
        del buf[:pos]
        payload = fragments[0] if len(fragments) == 1 else b"".join(fragments)
        return Packet(first_seq, seq, payload, raw)


def encode_packet(payload: bytes, seq: int) -> bytes:
    """Frame a payload, splitting it into 2^24-1 byte fragments with consecutive sequence ids."""
    n = len(payload)
    if n < MAX_PACKET_PAYLOAD:
        return n.to_bytes(3, "little") + bytes((seq & 0xFF,)) + payload
    out = bytearray()
    pos = 0
    while True:
        chunk = payload[pos : pos + MAX_PACKET_PAYLOAD]
        out += len(chunk).to_bytes(3, "little") + bytes((seq & 0xFF,)) + chunk
        seq += 1
        pos += len(chunk)
        if len(chunk) < MAX_PACKET_PAYLOAD:
            return bytes(out)


def packets_after(seq: int, payloads: list[bytes]) -> bytes:
    """Frame several payloads as one reply whose first packet has sequence id `seq`."""
    out = bytearray()
    for payload in payloads:
        framed = encode_packet(payload, seq)
        out += framed
        seq += len(payload) // MAX_PACKET_PAYLOAD + 1  # fragments, incl. an empty last one
    return bytes(out)
