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

        Headers are walked first and nothing is copied until every fragment has arrived, so a
        large packet arriving in many reads costs one copy, not one per read. Raises
        ProtocolError when a packet is larger than `max_packet`, so a peer cannot make the proxy
        buffer without bound.
        """
        buf = self._buf
        have = len(buf)
        pos = 0
        total = 0
        spans: list[tuple[int, int]] = []
        while True:
            if have < pos + 4:
                return None
            length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
            total += length
            if total > self.max_packet:
                raise ProtocolError(f"packet of more than {self.max_packet} bytes")
            if have < pos + 4 + length:
                return None
            spans.append((pos, length))
            pos += 4 + length
            if length < MAX_PACKET_PAYLOAD:
                break
        first_seq = buf[spans[0][0] + 3]
        last_seq = buf[spans[-1][0] + 3]
        raw = bytes(buf[:pos])
        del buf[:pos]
        if len(spans) == 1:
            payload = raw[4:]
        else:
            payload = b"".join(raw[p + 4 : p + 4 + n] for p, n in spans)
        return Packet(first_seq, last_seq, payload, raw)


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
