"""The slow path: a query of a branch session that the copy-on-write engine must see.

Single statements whose plan is "pass through" or "run this rewritten SQL" are relayed like any
other reply (rows are not decoded). Everything else, and multi-statement queries, are answered
with packets built from the engine's results, with MORE_RESULTS set between statements as the
server would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from branchdb.cow.executor import QueryResult, UpstreamError
from branchdb.cow.outcome import (
    ErrorReply,
    OkReply,
    Outcome,
    Passthrough,
    RelayQuery,
    ResultReply,
    StatementContext,
)
from branchdb.proxy.capture import SessionExecutor
from branchdb.proxy.constants import Capability, Command, ServerStatus
from branchdb.proxy.framing import Packet, encode_packet, packets_after
from branchdb.proxy.resultset import encode_result
from branchdb.proxy.wire import ErrPacket, make_err
from branchdb.sqlrewrite.classify import classify_one, split_statements, use_target

if TYPE_CHECKING:
    from branchdb.proxy.session import ClientSession


async def _prepare_use(session: ClientSession, sql: str) -> None:
    """Before `USE db` runs, give the branch its overlays for db (see BranchDirectory.attach)."""
    statement = classify_one(sql)
    engine = session.server.engine
    if statement.keyword == "USE" and engine is not None and session.branch_info is not None:
        target = use_target(statement.text)
        if target:
            try:
                await engine.prepare(session.branch_info, target)
            except UpstreamError:
                pass  # an unknown database: the server reports it when USE runs


def _context(session: ClientSession, sql: str) -> StatementContext:
    assert session.branch_info is not None
    status = session.server_status
    return StatementContext(
        branch=session.branch_info,
        current_db=session.database,
        sql=sql,
        in_transaction=bool(status & ServerStatus.IN_TRANS),
        autocommit=bool(status & ServerStatus.AUTOCOMMIT),
        found_rows=bool(session.capabilities & Capability.FOUND_ROWS),
    )


async def run_on_branch(session: ClientSession, packet: Packet) -> None:
    engine = session.server.engine
    assert engine is not None
    sql = packet.payload[1:].decode("utf-8", "surrogateescape")
    multi = bool(session.capabilities & Capability.MULTI_STATEMENTS)
    parts = [p for p in split_statements(sql) if p.strip()] if multi else [sql]
    if not parts:
        parts = [sql]
    executor = session.executor
    for part in parts:
        await _prepare_use(session, part)
    if len(parts) == 1:
        outcome = await engine.plan_and_run(_context(session, parts[0]), executor)
        if isinstance(outcome, ErrorReply):
            session._pending_database = None  # a refused USE changes nothing
        if isinstance(outcome, Passthrough):
            session.relay_command(packet.raw)
            return
        if isinstance(outcome, RelayQuery):
            payload = bytes((Command.QUERY,)) + outcome.sql.encode("utf-8", "surrogateescape")
            session.relay_command(encode_packet(payload, packet.last_seq))
            return
        session.finish_with(
            packets_after(packet.last_seq + 1, await _answer(session, outcome, executor, "", True))
        )
        return
    payloads: list[bytes] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        outcome = await engine.plan_and_run(_context(session, part), executor)
        answer = await _answer(session, outcome, executor, part, last)
        payloads += answer
        if isinstance(outcome, ErrorReply) or answer[-1][:1] == b"\xff":
            break  # the server stops a multi-statement query at its first error
    session.finish_with(packets_after(packet.last_seq + 1, payloads))


async def _answer(
    session: ClientSession, outcome: Outcome, executor: SessionExecutor, sql: str, last: bool
) -> list[bytes]:
    """The reply payloads of one statement."""
    caps = session.capabilities
    if isinstance(outcome, ErrorReply):
        return [make_err(ErrPacket(outcome.errno, outcome.sqlstate, outcome.message), caps)]
    try:
        if isinstance(outcome, Passthrough):
            result = await executor.query(sql)
        elif isinstance(outcome, RelayQuery):
            result = await executor.query(outcome.sql)
        elif isinstance(outcome, ResultReply):
            result = outcome.result
        else:
            assert isinstance(outcome, OkReply)
            result = QueryResult(
                affected_rows=outcome.affected_rows,
                insert_id=outcome.insert_id,
                warnings=outcome.warnings,
                info=outcome.info,
            )
    except UpstreamError as err:
        return [make_err(ErrPacket(err.errno, err.sqlstate, err.message), caps)]
    if result.status:
        session.server_status = result.status
    status = session.server_status & ~ServerStatus.MORE_RESULTS_EXISTS
    if not last:
        status |= ServerStatus.MORE_RESULTS_EXISTS
    return encode_result(result, caps, status)
