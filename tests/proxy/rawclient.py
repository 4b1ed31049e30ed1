"""A minimal hand-driven MySQL client for sending exactly the bytes a fault test needs."""

from __future__ import annotations

import socket

from branchdb.proxy.constants import Capability
from branchdb.proxy.framing import Packet, PacketReader, encode_packet
from branchdb.proxy.handshake import HandshakeResponse, make_handshake_response
from branchdb.proxy.wire import ErrPacket, parse_err

CLIENT_CAPS = int(
    Capability.LONG_PASSWORD
    | Capability.PROTOCOL_41
    | Capability.SECURE_CONNECTION
    | Capability.PLUGIN_AUTH
    | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA
    | Capability.TRANSACTIONS
    | Capability.MULTI_RESULTS
    | Capability.DEPRECATE_EOF
)


class RawClient:
    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = PacketReader()

    def read(self) -> Packet | None:
        """The next packet, or None when the server closed the connection."""
        while (packet := self.reader.next_packet()) is None:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                return None
            if not data:
                return None
            self.reader.feed(data)
        return packet

    def send(self, payload: bytes, seq: int) -> None:
        self.sock.sendall(encode_packet(payload, seq))

    def login(self, user: str) -> Packet | None:
        """Log in with an empty password; returns the server's final auth packet."""
        greeting = self.read()
        assert greeting is not None and greeting.payload[0] == 10
        response = HandshakeResponse(
            CLIENT_CAPS, 1 << 24, 45, bytes(23), user, b"", None, "mysql_native_password", None
        )
        self.send(make_handshake_response(response), 1)
        return self.read()

    def read_error(self) -> ErrPacket | None:
        packet = self.read()
        if packet is None or packet.payload[:1] != b"\xff":
            return None
        return parse_err(packet.payload)

    def closed_by_peer(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()
