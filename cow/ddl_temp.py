"""Temporary tables on a branch.

A temporary table belongs to one connection and never touches shared data, so it is simply
created on the client's own connection, under the name the client gave it (a database's
temporary table shadows its base table of that name on that connection only). The engine must
then leave statements on it alone: the names a connection created are kept in a user variable on
that very connection (`@_bdb_tmp`, ",db.name,…"), and the branch remembers which names any of its
sessions used (`BranchInfo.temp_names`), so only statements mentioning one of them pay for a look.

Refused (1235): a temporary table named like a table of the branch (reads would not know which
one is meant), CREATE TEMPORARY TABLE … SELECT (it would read base rows on the client's
connection, taking shared locks under REPEATABLE READ), and writes that mix temporary tables with
other tables.
"""

from __future__ import annotations

from sqlglot import exp

from branchdb.sqlrewrite.refs import (
    TableRef,
    Unparseable,
    all_table_refs,
    parse,
    splice,
    tokenize,
)

from .ddl_alter import db_of
from .engine import BranchEngine
from .executor import Executor, quote_str, text
from .outcome import OkReply, Outcome, Passthrough, StatementContext, no_such_table
from .outcome import not_supported as _ns
from .tablemeta import qualified

VAR = "@_bdb_tmp"


async def connection_temps(client: Executor) -> set[str]:
    """'db.name' of the temporary tables this connection created on the branch."""
    res = await client.query(f"SELECT {VAR}")
    raw = text(res.rows[0][0]) if res.rows else None
    return {n for n in (raw or "").split(",") if n}


async def _remember(client: Executor, key: str, present: bool) -> None:
    temps = await connection_temps(client)
    temps = (temps | {key}) if present else (temps - {key})
    value = "," + ",".join(sorted(temps)) + "," if temps else ""
    await client.query(f"SET {VAR} = {quote_str(value)}")


async def create_temporary(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Create,
    refs: list[TableRef],
    target: exp.Table,
    exists_on_branch: bool,
) -> Outcome:
    if isinstance(tree.expression, (exp.Select, exp.Union, exp.Subquery)):
        raise _ns("CREATE TEMPORARY TABLE … SELECT (it would lock the base rows it reads)")
    if exists_on_branch:
        raise _ns("a temporary table named like a table of the branch")
    db, name = db_of(ctx, target), target.name
    edits = []
    for ref in refs:  # LIKE a table the branch changed: its overlay has the branch's definition
        ts = ctx.branch.tables.get((ref.db or ctx.current_db or "", ref.name))
        if ref.node is not target and ts is not None:
            if ts.state == "dropped":
                raise no_such_table(ts.base_db, ts.table)
            edits.append((ref.start, ref.end, qualified(ts.overlay_db, ts.overlay_table)))
    # Session-local: shared data is never touched, and no implicit commit happens.
    res = await client.query(splice(ctx.sql, edits))
    key = f"{db}.{name}".lower()
    ctx.branch.temp_names.add(name.lower())
    await _remember(client, key, True)
    return OkReply(res.affected_rows, 0, res.warnings, res.info)


def mentions_temp(ctx: StatementContext) -> bool:
    """Cheap: could the statement name a temporary table of some session of the branch?"""
    if not ctx.branch.temp_names:
        return False
    low = ctx.sql.lower()
    return any(n in low for n in ctx.branch.temp_names)


async def route_temp(
    engine: BranchEngine, ctx: StatementContext, client: Executor, keyword: str
) -> Outcome | None:
    """How to run a write or DDL that names this connection's temporary tables (None: not one
    of those, plan it as usual)."""
    temps = await connection_temps(client)
    if not temps:
        return None
    try:
        tree = parse(ctx.sql)
        refs = all_table_refs(tree, tokenize(ctx.sql))
    except Unparseable:
        return None
    if isinstance(tree, exp.Create) and not _is_temporary(tree):
        return None  # a branch table: planned as usual (it may share a temporary table's name)
    named = [_key(ctx, r) for r in refs]
    hits = [k for k in named if k in temps]
    if not hits:
        return None
    if len(hits) != len(named):
        raise _ns(f"{keyword} mixing temporary tables with other tables")
    if isinstance(tree, exp.Drop):
        res = await client.query(ctx.sql)
        for key in hits:
            await _remember(client, key, False)
        return OkReply(res.affected_rows, 0, res.warnings, res.info)
    return Passthrough()


def _is_temporary(tree: exp.Create) -> bool:
    props = tree.args.get("properties")
    return props is not None and any(
        isinstance(p, exp.TemporaryProperty) for p in props.expressions
    )


def _key(ctx: StatementContext, ref: TableRef) -> str:
    return f"{ref.db or ctx.current_db or ''}.{ref.name}".lower()
