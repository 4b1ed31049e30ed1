"""CREATE [OR REPLACE] VIEW / DROP VIEW on a branch.

A branch view lives in the overlay schema (a `created` table state, so reads of it on the branch
go to the overlay view). Its SELECT must read the branch's tables, so every base table it names is
made dirty first (no rows are copied) and the view text reads their merged views / overlays.
"""

from __future__ import annotations

from sqlglot import exp

from branchdb.sqlrewrite.refs import all_table_refs, cte_names, splice

from .catalog import TableState
from .ddl_alter import db_of
from .ddl_common import db_exists_on_branch, exists_on_branch, table_exists_error
from .ddl_tables import drop_one, unknown_db
from .engine import SYSTEM_DBS, BranchEngine, Edit
from .executor import Executor, quote_ident
from .grants import current_grantee, mirror_grants
from .naming import overlay_db, tomb_table
from .outcome import EngineError, OkReply, Outcome, StatementContext
from .outcome import not_supported as _ns
from .tablemeta import qualified


async def create_view(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Create,
    tokens: list,  # type: ignore[type-arg]
) -> Outcome:
    schema = tree.this
    node = schema.this if isinstance(schema, exp.Schema) else schema
    if not isinstance(node, exp.Table):
        raise _ns("this form of CREATE VIEW")
    db, name = db_of(ctx, node), node.name
    if not await db_exists_on_branch(engine, ctx, db):
        raise unknown_db(db)
    old = ctx.branch.tables.get((db, name))
    if await exists_on_branch(engine, ctx, db, name):
        meta = await engine.meta(old.overlay_db, old.overlay_table) if old else None
        if not tree.args.get("replace") or meta is None or not meta.is_view:
            raise table_exists_error(name)
    refs = all_table_refs(tree, tokens)
    ctes = cte_names(tree)
    edits: list[Edit] = []
    for ref in refs:
        rdb = ref.db or ctx.current_db
        if ref.node is node or rdb is None or (ref.db is None and ref.name in ctes):
            continue
        if rdb in SYSTEM_DBS:
            continue
        if (rdb, ref.name) not in ctx.branch.tables:
            base = await engine.meta(rdb, ref.name)
            visible = await exists_on_branch(engine, ctx, rdb, ref.name)
            if base is not None and not base.is_view and visible:
                await engine.ensure_dirty(ctx.branch, rdb, ref.name)
    skip = frozenset(r.start for r in refs if r.node is node)
    edits.extend(await engine.read_edits(ctx, refs, tree, skip=skip))
    replaced = {e[0] for e in edits}
    ovdb = overlay_db(ctx.branch.id, db)
    for ref in refs:
        if ref.node is node:
            edits.append((ref.start, ref.end, qualified(ovdb, name)))
        elif ref.start not in replaced and ref.db is None and ref.name not in ctes:
            cur = ctx.current_db
            edits.append((ref.start, ref.end, qualified(cur, ref.name) if cur else ref.name))
    await client.query("COMMIT")  # CREATE VIEW commits implicitly, as on a real copy
    await engine.control.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ovdb)}")
    await engine.control.query(splice(ctx.sql, edits))
    await mirror_grants(engine.control, ctx.branch.id, db, await current_grantee(client))
    await engine.grant_new(ctx.branch, db)
    ts = TableState(db, name, "created", ovdb, name, tomb_table(name))
    await engine.save_table(ctx.branch, ts, (db, name))
    engine.forget_meta(ovdb, name)
    return OkReply()


async def drop_views(
    engine: BranchEngine, ctx: StatementContext, client: Executor, tree: exp.Drop
) -> Outcome:
    nodes = tree.args.get("tables") or ([tree.this] if tree.this is not None else [])
    found: list[tuple[str, str]] = []
    missing: list[str] = []
    for node in nodes:
        db, name = db_of(ctx, node), node.name
        ts = ctx.branch.tables.get((db, name))
        if ts is not None and ts.state != "dropped":
            meta = await engine.meta(ts.overlay_db, ts.overlay_table)
            is_view = meta is not None and meta.is_view
        elif ts is None and db not in ctx.branch.databases:
            meta = await engine.meta(db, name)
            is_view = meta is not None and meta.is_view
        else:
            is_view = False
        if is_view:
            found.append((db, name))
        else:
            missing.append(f"{db}.{name}")
    if missing and not tree.args.get("exists"):
        raise EngineError(1051, "42S02", f"Unknown table '{','.join(missing)}'")
    await client.query("COMMIT")
    for db, name in found:
        ts = ctx.branch.tables.get((db, name))
        if ts is not None:
            await engine.control.query(
                f"DROP VIEW IF EXISTS {qualified(ts.overlay_db, ts.overlay_table)}"
            )
            engine.forget_meta(ts.overlay_db, ts.overlay_table)
        await drop_one(engine, ctx, db, name)
    return OkReply(0, 0, len(missing), "")
