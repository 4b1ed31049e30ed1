"""A TCP link between the proxy and the upstream that a test can cut, close and reopen.

It runs its own event loop in a thread so tests stay synchronous. Cutting aborts every open
connection (an upstream that dies); closing stops accepting (an upstream that refuses); reopening
listens again on the same port (an upstream that restarts).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any


class FaultLink:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.open()

    def _call(self, fn: Callable[[], Any]) -> Any:
        async def run() -> Any:
            result = fn()
            if asyncio.iscoroutine(result):
                return await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    async def _handle(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        try:
            ur, uw = await asyncio.open_connection(*self.upstream)
        except OSError:
            cw.close()
            return
        self._writers |= {cw, uw}

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                w.close()
                self._writers.discard(w)

        await asyncio.gather(pipe(cr, uw), pipe(ur, cw))

    def open(self) -> None:
        async def start() -> None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

        self._call(start)

    def close(self) -> None:
        """Stop accepting: new connections are refused."""

        async def stop() -> None:
            if self._server is not None:
                self._server.close()
                self._server = None

        self._call(stop)

    def cut(self) -> None:
        """Abort every open connection, as when the upstream dies."""

        def abort() -> None:
            for w in list(self._writers):
                w.transport.abort()
            self._writers.clear()

        self._call(abort)

    def shutdown(self) -> None:
        self.close()
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
