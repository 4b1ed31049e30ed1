"""The upstream half of a session: an asyncio Protocol that hands bytes to its session and
applies back-pressure to the client side when the upstream cannot take more."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from branchdb.proxy.session import ClientSession

#: Pause reading from one side while the other side's write buffer holds this much.
HIGH_WATER = 4 << 20
LOW_WATER = 1 << 20


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class UpstreamLink(asyncio.Protocol):
    """The upstream half: hands bytes to the session, and applies back-pressure to the client."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)
        set_nodelay(transport)
        # Register now, not when create_connection returns: the greeting can arrive (and the
        # client answer it) before the connecting coroutine resumes.
        self.session.upstream_connected(self)

    def data_received(self, data: bytes) -> None:
        self.session.upstream_data(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.session.upstream_lost(exc)

    def pause_writing(self) -> None:
        self.session.pause_client_reading()

    def resume_writing(self) -> None:
        self.session.resume_client_reading()
