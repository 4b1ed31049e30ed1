"""CREATE DATABASE / DROP DATABASE on a branch.

A database created on a branch is the branch's overlay schema of that name plus a catalog record
(`BranchInfo.databases[db] = "created"`); its tables are `created` tables. Dropping a base database
on a branch hides it and every one of its tables (`"dropped"`, and each base table `dropped`);
nothing on the server changes but the branch's own overlay schema.
"""

from __future__ import annotations

from sqlglot import exp

from branchdb.sqlrewrite.classify import use_target

from . import catalog
from .catalog import BranchInfo, TableState
from .ddl_common import base_db_exists, db_exists_on_branch
from .engine import BranchEngine
from .executor import Executor, quote_ident, quote_str, text
from .naming import overlay_db
from .outcome import (
    EngineError,
    ErrorReply,
    OkReply,
    Outcome,
    Passthrough,
    RelayQuery,
    StatementContext,
)
from .outcome import not_supported as _ns


def _db_name(tree: exp.Expression) -> str:
    node = tree.this
    if node is None and tree.args.get("tables"):
        node = tree.args["tables"][0]  # DROP DATABASE keeps its name in a table list
    name = node.name if isinstance(node, exp.Expression) else str(node or "")
    if not name:
        raise _ns("this form of DATABASE statement")
    return name


async def create_database(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Create,
    tokens: list,  # type: ignore[type-arg]
) -> Outcome:
    db = _db_name(tree)
    if tree.args.get("replace"):
        raise _ns("CREATE OR REPLACE DATABASE")
    if await db_exists_on_branch(engine, ctx, db):
        if tree.args.get("exists"):
            await client.query("DO 0")
            return OkReply(0, 0, 1, "")
        raise EngineError(1007, "HY000", f"Can't create database '{db}'; database exists")
    await client.query("COMMIT")  # implicit commit, as on a real copy
    ovdb = overlay_db(ctx.branch.id, db)
    name_tok = next(t for t in tokens if t.text == db and t.start >= 6)
    options = ctx.sql[name_tok.end + 1 :]
    if options[:1] == "`":
        options = options[1:]
    await engine.control.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ovdb)} {options}")
    ctx.branch.databases[db] = "created"
    await catalog.in_transaction(
        engine.control, [catalog.upsert_database_sql(ctx.branch.id, db, "created")]
    )
    await engine.note_catalog_change()
    return OkReply(1, 0, 0, "")


async def drop_database(
    engine: BranchEngine, ctx: StatementContext, client: Executor, tree: exp.Drop
) -> Outcome:
    db = _db_name(tree)
    if not await db_exists_on_branch(engine, ctx, db):
        if tree.args.get("exists"):
            await client.query("DO 0")
            return OkReply(0, 0, 1, "")
        raise EngineError(1008, "HY000", f"Can't drop database '{db}'; database doesn't exist")
    await client.query("COMMIT")
    c = engine.control
    ovdb = overlay_db(ctx.branch.id, db)
    shown = [n for (d, n), ts in ctx.branch.tables.items() if d == db and ts.state != "dropped"]
    base: list[str] = []
    if await base_db_exists(engine, db):
        res = await c.query(
            f"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = {quote_str(db)}"
        )
        base = [text(r[0]) or "" for r in res.rows]
    was_created = ctx.branch.databases.get(db) == "created"
    if not was_created:
        shown += [
            n
            for n in base
            if (db, n) not in ctx.branch.tables
            and engine.base_filter(ctx.branch, db, n) != "HIDDEN"
        ]
    await c.query("SET @_bdb_fkc3 = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0")
    try:
        await c.query(f"DROP DATABASE IF EXISTS {quote_ident(ovdb)}")
    finally:
        await c.query("SET SESSION foreign_key_checks = @_bdb_fkc3")
    sql = [
        f"DELETE FROM `_branchdb`.branch_tables WHERE branch_id = {quote_str(ctx.branch.id)}"
        f" AND base_db = {quote_str(db)}"
    ]
    dropped = [TableState(db, n, "dropped", ovdb, n, "") for n in base]
    sql += [catalog.upsert_table_sql(ctx.branch.id, ts) for ts in dropped]
    state = "dropped" if base or await base_db_exists(engine, db) else None
    sql.append(catalog.upsert_database_sql(ctx.branch.id, db, state))
    await catalog.in_transaction(c, sql)
    for key in [k for k in ctx.branch.tables if k[0] == db]:
        del ctx.branch.tables[key]
    for ts in dropped:
        ctx.branch.tables[(db, ts.table)] = ts
    if state is None:
        ctx.branch.databases.pop(db, None)
    else:
        ctx.branch.databases[db] = state
    ctx.branch.refresh_watch()
    await engine.note_catalog_change()
    for n in base:
        engine.forget_meta(ovdb, n)
    return OkReply(len(shown), 0, 0, "")


def physical_db(branch: BranchInfo, db: str) -> str | None:
    """The server database that holds the branch's `db`: its overlay schema when the branch
    created it, None when the branch dropped it, else `db` itself."""
    state = branch.databases.get(db)
    if state == "created":
        return overlay_db(branch.id, db)
    if state == "dropped":
        return None
    return db


def use_outcome(ctx: StatementContext) -> Outcome:
    """`USE db` on a branch: a database the branch created is its overlay schema on the server
    (the session still calls it `db`); one the branch dropped is unknown."""
    target = use_target(ctx.sql)
    if target is None:
        return Passthrough()
    found = physical_db(ctx.branch, target)
    if found is None:
        return ErrorReply(1049, "42000", f"Unknown database '{target}'")
    if found != target:
        return RelayQuery(f"USE {quote_ident(found)}")
    return Passthrough()
