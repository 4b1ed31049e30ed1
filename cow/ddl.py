"""DDL on a branch: the dispatcher, and CREATE TABLE, TRUNCATE and DROP TABLE (ALTER TABLE lives
in `ddl_alter`). The user's DDL runs on the client's own connection against the overlay, so its
implicit commit happens exactly where it would on a real copy; the catalog follows on the
control connection. Everything else is refused with 1235 and changes nothing.
"""

from __future__ import annotations

from sqlglot import exp

from branchdb.sqlrewrite.dml import foreign_key_spans
from branchdb.sqlrewrite.refs import Unparseable, all_table_refs, parse, splice, tokenize

from .catalog import TableState
from .ddl_alter import db_of, run_alter
from .engine import BranchEngine, Edit
from .executor import Executor, quote_ident
from .grants import current_grantee, mirror_grants
from .naming import overlay_db, tomb_table
from .outcome import EngineError, OkReply, Outcome, StatementContext, no_such_table
from .outcome import not_supported as _ns
from .tablemeta import qualified


async def run_ddl(
    engine: BranchEngine, ctx: StatementContext, client: Executor, keyword: str
) -> Outcome:
    if keyword not in ("CREATE", "ALTER", "TRUNCATE", "DROP"):
        raise _ns(keyword)
    try:
        tokens = tokenize(ctx.sql)
        tree = parse(ctx.sql)
    except Unparseable:
        raise _ns(f"this form of {keyword}") from None
    if isinstance(tree, exp.Create):
        return await _create(engine, ctx, client, tree, tokens)
    if isinstance(tree, exp.TruncateTable):
        return await _truncate(engine, ctx, client, tree)
    if isinstance(tree, exp.Alter):
        return await run_alter(engine, ctx, client, tree)
    if isinstance(tree, exp.Drop):
        return await _drop(engine, ctx, client, tree)
    raise _ns(f"this form of {keyword}")


async def _exists_on_branch(
    engine: BranchEngine, ctx: StatementContext, db: str, name: str
) -> bool:
    ts = ctx.branch.tables.get((db, name))
    if ts is not None:
        return ts.state != "dropped"
    if engine.base_filter(ctx.branch, db, name) == "HIDDEN":
        return False
    return await engine.meta(db, name) is not None


async def _create(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Create,
    tokens: list,  # type: ignore[type-arg]
) -> Outcome:
    kind = str(tree.args.get("kind") or "").upper()
    props = tree.args.get("properties")
    temporary = props is not None and any(
        isinstance(p, exp.TemporaryProperty) for p in props.expressions
    )
    if kind != "TABLE":
        raise _ns(f"CREATE {kind or '…'}")
    if temporary:
        raise _ns("CREATE TEMPORARY TABLE")
    if isinstance(tree.expression, (exp.Select, exp.Union)):
        raise _ns("CREATE TABLE … SELECT")
    schema = tree.this
    node = schema.this if isinstance(schema, exp.Schema) else schema
    if not isinstance(node, exp.Table):
        raise _ns("this form of CREATE TABLE")
    db, name = db_of(ctx, node), node.name
    if await _exists_on_branch(engine, ctx, db, name):
        if tree.args.get("exists"):
            await client.query("DO 0")  # a statement boundary, as the server's own note
            return OkReply(0, 0, 1, "")
        raise EngineError(1050, "42S01", f"Table '{name}' already exists")
    ovdb = overlay_db(ctx.branch.id, db)
    await engine.control.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ovdb)}")
    refs = all_table_refs(tree, tokens)
    edits: list[Edit] = []
    for ref in refs:
        rdb = ref.db or ctx.current_db
        if ref.node is node:
            edits.append((ref.start, ref.end, qualified(ovdb, name)))
        elif rdb is not None:
            ts = ctx.branch.tables.get((rdb, ref.name))
            if ts is not None and ts.state != "dropped":  # CREATE … LIKE a branch table
                edits.append((ref.start, ref.end, qualified(ts.overlay_db, ts.overlay_table)))
            elif ref.db is None:
                edits.append((ref.start, ref.end, qualified(rdb, ref.name)))
    old = ctx.branch.tables.get((db, name))
    if old is not None:  # a dropped base table: remove its leftovers first
        await _drop_overlay(engine, old)
    # No foreign keys on the branch: they would point at base tables (locking base rows, and
    # rejecting parents that exist only on the branch). Inline REFERENCES are ignored anyway.
    fk = foreign_key_spans(ctx.sql, tokens)
    edits = [e for e in edits if not any(a <= e[0] < b for a, b in fk)]
    edits.extend((a, b, "") for a, b in fk)
    # CREATE TABLE commits implicitly, as on a real copy; the control account creates the
    # table (the client may lack CREATE on the overlay schema) and then grants the client.
    await client.query("COMMIT")
    await engine.control.query(splice(ctx.sql, edits))
    await mirror_grants(engine.control, ctx.branch.id, db, await current_grantee(client))
    await engine.grant_new(ctx.branch, db)
    ts = TableState(db, name, "created", ovdb, name, tomb_table(name))
    await engine.save_table(ctx.branch, ts, (db, name))
    engine.forget_meta(ovdb, name)
    return OkReply()


async def _truncate(
    engine: BranchEngine, ctx: StatementContext, client: Executor, tree: exp.TruncateTable
) -> Outcome:
    for node in tree.expressions:
        db, name = db_of(ctx, node), node.name
        ts = await engine.ensure_dirty(ctx.branch, db, name)
        await client.query(f"TRUNCATE TABLE {qualified(ts.overlay_db, ts.overlay_table)}")
        if ts.state == "cow":
            await engine.control.query(f"DELETE FROM {qualified(ts.overlay_db, ts.tomb_table)}")
            ts.state = "materialized"  # no base rows visible any more
            await engine.save_table(ctx.branch, ts, (db, name))
    return OkReply()


async def _drop(
    engine: BranchEngine, ctx: StatementContext, client: Executor, tree: exp.Drop
) -> Outcome:
    if str(tree.args.get("kind") or "").upper() != "TABLE" or tree.args.get("temporary"):
        raise _ns("this form of DROP")
    nodes = tree.args.get("tables") or ([tree.this] if tree.this is not None else [])
    missing = []
    for node in nodes:
        db, name = db_of(ctx, node), node.name
        if not await _exists_on_branch(engine, ctx, db, name):
            missing.append(f"{db}.{name}")
    if missing and not tree.args.get("exists"):
        raise EngineError(1051, "42S02", f"Unknown table '{','.join(missing)}'")
    await client.query("COMMIT")  # DROP TABLE commits implicitly, as on a real copy
    for node in nodes:
        db, name = db_of(ctx, node), node.name
        if f"{db}.{name}" in missing:
            continue
        ts = ctx.branch.tables.get((db, name))
        if ts is not None:
            await _drop_overlay(engine, ts)
        if ts is not None and ts.state == "created":
            await engine.save_table(ctx.branch, None, (db, name))
        else:
            dropped = TableState(db, name, "dropped", overlay_db(ctx.branch.id, db), name, "")
            await engine.save_table(ctx.branch, dropped, (db, name))
    return OkReply(0, 0, len(missing), "")


async def _drop_overlay(engine: BranchEngine, ts: TableState) -> None:
    await engine.control.query(f"DROP TABLE IF EXISTS {qualified(ts.overlay_db, ts.overlay_table)}")
    if ts.tomb_table:
        await engine.control.query(
            f"DROP TABLE IF EXISTS {qualified(ts.overlay_db, ts.tomb_table)}"
        )
    engine.forget_meta(ts.overlay_db, ts.overlay_table)


__all__ = ["no_such_table", "run_ddl"]
