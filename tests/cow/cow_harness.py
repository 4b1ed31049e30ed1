"""Drive the engine the way the proxy does, on a real server, and normalise replies for comparing
a branch with a real copy. Pytest-free so the differential test can also be run by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from branchdb.cow.catalog import BranchInfo
from branchdb.cow.engine import BranchEngine
from branchdb.cow.executor import AioMysqlExecutor, Executor, QueryResult, UpstreamError
from branchdb.cow.lifecycle import Lifecycle
from branchdb.cow.outcome import (
    ErrorReply,
    OkReply,
    Passthrough,
    RelayQuery,
    ResultReply,
    StatementContext,
)
from branchdb.sqlrewrite.classify import first_keyword

Reply = tuple[Any, ...]


def normalise(res: QueryResult) -> Reply:
    if res.columns:
        return ("rows", tuple(c.name for c in res.columns), tuple(res.rows))
    return ("ok", res.affected_rows, res.insert_id, res.warnings, res.info)


async def direct(executor: Executor, sql: str) -> Reply:
    try:
        return normalise(await executor.query(sql))
    except UpstreamError as e:
        return ("err", e.errno)


@dataclass
class BranchSession:
    """One client connection on a branch: transaction state tracked as the proxy would."""

    engine: BranchEngine
    branch: BranchInfo
    client: AioMysqlExecutor
    db: str | None
    in_transaction: bool = False
    autocommit: bool = True
    found_rows: bool = False
    relayed: list[str] = field(default_factory=list)

    async def run(self, sql: str) -> Reply:
        ctx = StatementContext(
            branch=self.branch,
            current_db=self.db,
            sql=sql,
            in_transaction=self.in_transaction,
            autocommit=self.autocommit,
            found_rows=self.found_rows,
        )
        out = await self.engine.plan_and_run(ctx, self.client)
        if isinstance(out, Passthrough):
            reply = await direct(self.client, sql)
        elif isinstance(out, RelayQuery):
            self.relayed.append(out.sql)
            reply = await direct(self.client, out.sql)
        elif isinstance(out, OkReply):
            reply = ("ok", out.affected_rows, out.insert_id, out.warnings, out.info)
        elif isinstance(out, ResultReply):
            reply = normalise(out.result)
        else:
            assert isinstance(out, ErrorReply)
            reply = ("err", out.errno)
        self._track(sql, reply)
        return reply

    def _track(self, sql: str, reply: Reply) -> None:
        kw = first_keyword(sql)
        if reply[0] == "err":
            return
        if kw in ("BEGIN", "START"):
            self.in_transaction = True
        elif kw in ("COMMIT", "ROLLBACK") and "TO" not in sql.upper().split():
            self.in_transaction = False
        elif kw in ("CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME"):
            self.in_transaction = False  # implicit commit


async def connect(upstream: Any, db: str | None = None, **kw: Any) -> AioMysqlExecutor:
    return await AioMysqlExecutor.connect(
        host=upstream.host,
        port=upstream.port,
        user=upstream.user,
        password=upstream.password,
        db=db,
        **kw,
    )


@dataclass
class World:
    """Engine + lifecycle on one control connection, plus an admin connection."""

    upstream: Any
    admin: AioMysqlExecutor
    control: AioMysqlExecutor
    engine: BranchEngine
    lifecycle: Lifecycle
    branches: list[str] = field(default_factory=list)
    conns: list[AioMysqlExecutor] = field(default_factory=list)

    @classmethod
    async def open(cls, upstream: Any) -> World:
        admin = await connect(upstream)
        control = await connect(upstream)
        engine = BranchEngine(control)
        await engine.start()
        return cls(upstream, admin, control, engine, Lifecycle(control))

    async def branch(self, db: str | None, mode: str = "all", **kw: Any) -> BranchSession:
        import secrets

        name = f"test-{secrets.token_hex(4)}"
        info = await self.lifecycle.create(name, mode, **kw)
        self.branches.append(name)
        return await self.session(info, db)

    async def session(self, info: BranchInfo, db: str | None, **kw: Any) -> BranchSession:
        client = await connect(self.upstream, db, **kw)
        self.conns.append(client)
        return BranchSession(
            self.engine, info, client, db, found_rows=bool(kw.get("found_rows", False))
        )

    async def close(self) -> None:
        for c in self.conns:
            c.close()
        for name in self.branches:
            try:
                await self.lifecycle.delete(name, force=True)
            except Exception:
                pass
        self.admin.close()
        self.control.close()
