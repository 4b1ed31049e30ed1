"""The copy-on-write engine's `Executor` over a client's own upstream connection.

The engine's overlay DML must run on the client's connection, inside the client's transaction, so
this executor sends COM_QUERY on the session's upstream link and captures the reply instead of
relaying it. Only one capture is in flight per session (the session runs one command at a time).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from branchdb.cow.executor import QueryResult, UpstreamError
from branchdb.proxy.constants import CR, Command
from branchdb.proxy.framing import encode_packet
from branchdb.proxy.response import Reply
from branchdb.proxy.resultset import decode_reply

if TYPE_CHECKING:
    from branchdb.proxy.session import ClientSession


class Capture:
    """Collects the bytes of one reply until the session's scanner says it is complete."""

    __slots__ = ("buffer", "future")

    def __init__(self, future: asyncio.Future[bytes]) -> None:
        self.future = future
        self.buffer = bytearray()

    def fail(self, message: str) -> None:
        if not self.future.done():
            self.future.set_exception(UpstreamError(CR.SERVER_LOST, "HY000", message))


class SessionExecutor:
    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def query(self, sql: str) -> QueryResult:
        session = self.session
        if session.capture is not None:
            raise RuntimeError("another statement is already captured on this session")
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        session.capture = Capture(future)
        session.scanner.start(Reply.RESULT)
        payload = bytes((Command.QUERY,)) + sql.encode("utf-8", "surrogateescape")
        session.send_upstream(encode_packet(payload, 0))
        try:
            raw = await future
        finally:
            session.capture = None
        result = decode_reply(raw, session.capabilities)
        if result.status:
            session.server_status = result.status
        return result
