"""The relay floor: the fastest TCP relay Python allows, with no logic at all.

Why it exists: the passthrough benchmark shows what `branchdb serve` costs over a direct
connection, but part of that cost is paid by any relay written in Python (two extra sockets per
connection, a syscall per read and write, an event loop turn). This relay is asyncio Protocols
on uvloop whose `data_received` hands the bytes to the other side's `transport.write` and does
nothing else, so the gap between it and the proxy is branchdb's own logic.

It speaks the proxy's harness contract so `running_proxy` can start it:
`python -m branchdb.bench.floor serve --upstream mysql://… --listen 127.0.0.1:0` prints
`branchdb: listening on HOST:PORT` first and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from collections.abc import Sequence
from typing import cast

import uvloop

from branchdb.bench.target import Target

COMMAND = [sys.executable, "-m", "branchdb.bench.floor"]


def _nodelay(transport: asyncio.BaseTransport) -> None:
    """As the proxy does: small MySQL packets must not wait for Nagle."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Upstream(asyncio.Protocol):
    """Server side of one relayed connection: bytes go to the client unchanged."""

    def __init__(self, client: asyncio.Transport) -> None:
        self.client = client

    def data_received(self, data: bytes) -> None:
        self.client.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.close()


class _Client(asyncio.Protocol):
    """Client side: reading pauses until the upstream connection exists, then bytes flow."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.upstream: asyncio.Transport | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        _nodelay(transport)
        self.transport = transport
        transport.pause_reading()
        asyncio.get_running_loop().create_task(self._open(transport))

    async def _open(self, transport: asyncio.Transport) -> None:
        loop = asyncio.get_running_loop()
        try:
            up, _ = await loop.create_connection(lambda: _Upstream(transport), self.host, self.port)
        except OSError:
            transport.close()
            return
        _nodelay(up)
        self.upstream = up
        if transport.is_closing():
            up.close()
            return
        transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        assert self.upstream is not None
        self.upstream.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upstream is not None:
            self.upstream.close()


async def serve(upstream: Target, host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Client(upstream.host, upstream.port), host, port, backlog=1024
    )
    bound = server.sockets[0].getsockname()
    print(f"branchdb: listening on {bound[0]}:{bound[1]}", flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m branchdb.bench.floor", description=__doc__)
    p.add_argument("mode", choices=["serve"])
    p.add_argument("--upstream", required=True, help="mysql:// URL to relay to")
    p.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT to accept on")
    ns = p.parse_args(argv)
    host, _, port = str(ns.listen).rpartition(":")
    uvloop.run(serve(Target.from_url(ns.upstream), host or "127.0.0.1", int(port)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
