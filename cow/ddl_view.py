"""CREATE [OR REPLACE] VIEW / DROP VIEW on a branch.

A branch view lives in the overlay schema (a `created` table state, so reads of it on the branch
go to the overlay view). Its SELECT must read the branch's tables, so every base table it names is
made dirty first (no rows are copied) and the view text reads their merged views / overlays.
"""

from __future__ import annotations

from sqlglot import exp

from branchdb.sqlrewrite.reads import replacement_edits
from branchdb.sqlrewrite.refs import (
    TableRef,
    Unparseable,
    all_table_refs,
    cte_names,
    parse,
    splice,
    tokenize,
)

from .catalog import BranchInfo, TableState
from .ddl_alter import db_of
from .ddl_common import exists_on_branch, table_exists_error
from .ddl_tables import created_object, drop_one
from .engine import SYSTEM_DBS, BranchEngine, Edit
from .executor import Executor, quote_ident, quote_str, text
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
    node, db, name = await created_object(engine, ctx, tree, "VIEW")
    old = ctx.branch.tables.get((db, name))
    if await exists_on_branch(engine, ctx, db, name):
        meta = await (
            engine.meta(old.overlay_db, old.overlay_table) if old else engine.meta(db, name)
        )
        if not tree.args.get("replace") or meta is None or not meta.is_view:
            raise table_exists_error(name)
    refs = all_table_refs(tree, tokens)
    ctes = cte_names(tree)
    ovdb = overlay_db(ctx.branch.id, db)
    edits: list[Edit] = []
    for ref in refs:
        if ref.node is node:
            edits.append((ref.start, ref.end, qualified(ovdb, name)))
            continue
        if ref.db is None and ref.name in ctes:
            continue
        rdb = ref.db or ctx.current_db
        if rdb is None or rdb in SYSTEM_DBS:
            continue
        ts = ctx.branch.tables.get((rdb, ref.name))
        if ts is not None and ts.state != "dropped":
            # The view is stored over the table's overlay; reads expand it (`view_text`).
            edits.append((ref.start, ref.end, qualified(ts.overlay_db, ts.overlay_table)))
        elif await exists_on_branch(engine, ctx, rdb, ref.name):
            edits.append((ref.start, ref.end, qualified(rdb, ref.name)))
        else:
            raise EngineError(1146, "42S02", f"Table '{rdb}.{ref.name}' doesn't exist")
    edits.append(_temptable_edit(ctx.sql, tokens))
    await client.query("COMMIT")  # CREATE VIEW commits implicitly, as on a real copy
    await engine.control.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ovdb)}")
    await engine.control.query(splice(ctx.sql, edits))
    await mirror_grants(engine.control, ctx.branch.id, db, await current_grantee(client))
    await engine.grant_new(ctx.branch, db)
    ts = TableState(db, name, "created", ovdb, name, tomb_table(name))
    await engine.save_table(ctx.branch, ts, (db, name))
    engine.forget_meta(ovdb, name)
    return OkReply()


def _temptable_edit(sql: str, tokens: list) -> Edit:  # type: ignore[type-arg]
    """ALGORITHM=TEMPTABLE in place of the user's algorithm: such a view is never updatable, so
    no write can go through the overlay view to the tables it is stored over (writes through a
    view on a branch are refused by the server: 1288)."""
    for i, t in enumerate(tokens):
        word = t.text.upper()
        if word == "ALGORITHM" and i + 2 < len(tokens):
            return (t.start, tokens[i + 2].end + 1, "ALGORITHM=TEMPTABLE")
        if word == "VIEW":
            break
    at = tokens[2] if len(tokens) > 2 and tokens[1].text.upper() == "OR" else tokens[0]
    return (at.end + 1, at.end + 1, " ALGORITHM=TEMPTABLE")


async def view_text(engine: BranchEngine, branch: BranchInfo, ovdb: str, name: str) -> str:
    """The SELECT a branch view stands for, with every table it reads replaced by the branch's
    version of that table now (so later writes, renames and materializations show)."""
    res = await engine.control.query(
        "SELECT VIEW_DEFINITION FROM information_schema.VIEWS"
        f" WHERE TABLE_SCHEMA = {quote_str(ovdb)} AND TABLE_NAME = {quote_str(name)}"
    )
    if not res.rows:
        raise EngineError(1146, "42S02", f"Table '{ovdb}.{name}' doesn't exist")
    sql = text(res.rows[0][0]) or ""
    try:
        tokens = tokenize(sql)
        tree = parse(sql)
    except Unparseable:
        raise _ns("reading a branch view branchdb cannot parse") from None
    slots = {(ts.overlay_db, ts.overlay_table): key for key, ts in branch.tables.items()}
    pairs: list[tuple[TableRef, str]] = []
    for ref in all_table_refs(tree, tokens):
        if ref.db is None:
            continue
        key = slots.get((ref.db, ref.name), (ref.db, ref.name))
        rep = await engine.read_text(branch, *key)
        if rep is not None:
            pairs.append((ref, rep))
    return splice(sql, replacement_edits(tree, pairs)) if pairs else sql


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
