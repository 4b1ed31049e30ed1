"""The listening server: lifecycle (start, serve, graceful shutdown) and shared state.

Shaped like uvicorn's Server: `startup` binds and checks the upstream, `serve` runs until a stop
is requested, `shutdown` stops accepting, lets in-flight commands finish, then closes the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pymysql

from branchdb.proxy import logs
from branchdb.proxy.config import Config
from branchdb.proxy.session import ClientSession

if TYPE_CHECKING:
    from branchdb.cow.catalog import BranchInfo
    from branchdb.cow.engine import BranchEngine
    from branchdb.cow.executor import AioMysqlExecutor
    from branchdb.proxy.branches import BranchDirectory

log = logs.get("server")


@dataclass
class ServerState:
    """What all sessions share: settings, live sessions and counters."""

    config: Config
    sessions: set[ClientSession] = field(default_factory=set)
    sessions_total: int = 0
    sessions_authenticated: int = 0
    sessions_refused: int = 0
    statements_refused: int = 0
    accepting: bool = True
    engine: BranchEngine | None = None
    branches: BranchDirectory | None = None
    background: set[asyncio.Task[None]] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_session_id(self) -> int:
        return next(self._ids)

    def admit(self, session: ClientSession) -> bool:
        if not self.accepting or len(self.sessions) >= self.config.max_connections:
            self.sessions_refused += 1
            logs.event(log, logging.WARNING, "connection_refused", reason="max_connections")
            return False
        self.sessions.add(session)
        self.sessions_total += 1
        return True

    def release(self, session: ClientSession) -> None:
        self.sessions.discard(session)

    async def attach_branch(self, name: str, database: str | None) -> BranchInfo:
        assert self.branches is not None, "the branch directory starts with the server"
        return await self.branches.attach(name, database)

    def detach_branch(self, info: BranchInfo) -> None:
        if self.branches is not None:
            task = asyncio.get_running_loop().create_task(self.branches.detach(info))
            self.background.add(task)
            task.add_done_callback(self.background.discard)


def upstream_version(config: Config) -> str:
    """Ask the upstream for its version with branchdb's own account (fails fast if unreachable)."""
    up = config.upstream
    conn = pymysql.connect(
        host=up.host,
        port=up.port,
        user=up.user,
        password=up.password,
        connect_timeout=config.connect_timeout,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
            return str(row[0]) if row else "?"
    finally:
        conn.close()


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.state = ServerState(config)
        self._server: asyncio.AbstractServer | None = None
        self._stop = asyncio.Event()
        self.bound: tuple[str, int] | None = None

    async def startup(self) -> str:
        version = await asyncio.to_thread(upstream_version, self.config)
        await self._start_engine()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: ClientSession(self.state),
            self.config.listen_host,
            self.config.listen_port,
            reuse_address=True,
            backlog=1024,
        )
        sock = self._server.sockets[0].getsockname()
        self.bound = (str(sock[0]), int(sock[1]))
        return version

    async def _start_engine(self) -> None:
        """Open the control connections and make sure the catalog exists."""
        from branchdb.cow.engine import BranchEngine
        from branchdb.cow.executor import AioMysqlExecutor, SerialExecutor
        from branchdb.proxy.branches import BranchDirectory

        up = self.config.upstream
        self._controls = [
            await AioMysqlExecutor.connect(up.host, up.port, up.user, up.password) for _ in range(2)
        ]
        engine = BranchEngine(SerialExecutor(self._controls[0]))
        engine.materialize_below = self.config.materialize_below
        await engine.start()
        self.state.engine = engine
        self.state.branches = BranchDirectory(self.config, self._controls[1], engine)
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self.state.branches.gc_forever(self.config.gc_interval)),
            loop.create_task(self.state.branches.watch_catalog(self.config.catalog_poll)),
        ]

    _tasks: list[asyncio.Task[None]] = []

    _controls: list[AioMysqlExecutor] = []

    def request_stop(self) -> None:
        self._stop.set()

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        await self._stop.wait()
        await self.shutdown()

    async def shutdown(self) -> None:
        self.state.accepting = False
        if self._server is not None:
            self._server.close()
        for session in list(self.state.sessions):
            session.request_shutdown()
        deadline = asyncio.get_running_loop().time() + self.config.shutdown_timeout
        while self.state.sessions and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        for session in list(self.state.sessions):
            session._close(abort_upstream=True)
        for task in self._tasks:
            task.cancel()
        if self.state.background:  # connection accounting of the sessions just closed
            await asyncio.wait(self.state.background, timeout=5)
        if self._server is not None:
            await self._server.wait_closed()
        for control in self._controls:
            control.close()
        logs.event(log, logging.INFO, "stopped", sessions=self.state.sessions_total)
