"""CREATE TABLE (plain, LIKE, … SELECT), DROP TABLE and TRUNCATE on a branch.

New tables live in the branch's overlay schema as `created` tables. The control account creates
them (the client may lack CREATE on the overlay schema) after the client's transaction is
committed, as the implicit commit of DDL does on a real copy; the client is then granted.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from branchdb.sqlrewrite.dml import foreign_key_spans
from branchdb.sqlrewrite.refs import all_table_refs, cte_names, splice

from .catalog import TableState
from .ddl_alter import db_of
from .ddl_common import (
    base_has_table,
    clear_slot,
    db_exists_on_branch,
    drop_overlay,
    exists_on_branch,
    table_exists_error,
    unknown_table,
)
from .ddl_temp import create_temporary
from .engine import BranchEngine, Edit
from .executor import Executor, QueryResult, quote_ident, quote_str, text
from .fkchecks import fk_checks_off
from .grants import current_grantee, mirror_grants
from .naming import overlay_db, tomb_table
from .outcome import EngineError, OkReply, Outcome, StatementContext
from .outcome import not_supported as _ns
from .tablemeta import qualified


def unknown_db(db: str) -> EngineError:
    return EngineError(1049, "42000", f"Unknown database '{db}'")


async def created_object(
    engine: BranchEngine, ctx: StatementContext, tree: exp.Create, what: str
) -> tuple[exp.Table, str, str]:
    """The table node, database and name a CREATE TABLE/VIEW makes; 1049 when the database
    does not exist on the branch."""
    schema = tree.this
    node = schema.this if isinstance(schema, exp.Schema) else schema
    if not isinstance(node, exp.Table):
        raise _ns(f"this form of CREATE {what}")
    db = db_of(ctx, node)
    if not await db_exists_on_branch(engine, ctx, db):
        raise unknown_db(db)
    return node, db, node.name


async def client_fk_checks(client: Executor) -> bool:
    res = await client.query("SELECT @@SESSION.foreign_key_checks")
    return (text(res.rows[0][0]) or "1") != "0"


async def create_table(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Create,
    tokens: list,  # type: ignore[type-arg]
) -> Outcome:
    props = tree.args.get("properties")
    temporary = props is not None and any(
        isinstance(p, exp.TemporaryProperty) for p in props.expressions
    )
    node, db, name = await created_object(engine, ctx, tree, "TABLE")
    if temporary:
        exists = await exists_on_branch(engine, ctx, db, name)
        refs = all_table_refs(tree, tokens)
        return await create_temporary(engine, ctx, client, tree, refs, node, exists)
    if await exists_on_branch(engine, ctx, db, name):
        if tree.args.get("exists"):
            await client.query("DO 0")  # a statement boundary, as the server's own note
            return OkReply(0, 0, 1, "")
        raise table_exists_error(name)
    ovdb = overlay_db(ctx.branch.id, db)
    await engine.control.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ovdb)}")
    refs = all_table_refs(tree, tokens)
    fk = foreign_key_spans(ctx.sql, tokens)
    select = tree.expression
    while isinstance(select, exp.Subquery):  # CREATE TABLE t AS (SELECT …)
        select = select.this
    if not isinstance(select, (exp.Select, exp.Union)):
        select = None
    in_fk_starts = {r.start for r in refs if any(a <= r.start < b for a, b in fk)}
    skip = frozenset(in_fk_starts | {r.start for r in refs if r.node is node})
    ctes = cte_names(tree)
    merged: list[Edit] = []
    if select is not None:
        merged = await engine.read_edits(ctx, refs, tree, skip=skip)
    starts = {r.start for r in refs}
    # The table's shape comes from the branch tables' own definitions, each read as an empty
    # derived table (which the server types exactly as the table itself: a UNION of overlay
    # and base would change column attributes); its rows from the merged reads.
    plain: list[Edit] = [e for e in merged if e[0] not in starts]
    edits: list[Edit] = list(merged)
    for ref in refs:
        rdb = ref.db or ctx.current_db
        if ref.node is node:
            target = (ref.start, ref.end, qualified(ovdb, name))
            edits.append(target)
            plain.append(target)
        elif ref.start in in_fk_starts:
            if ref.db is not None:  # unqualified ones resolve to sibling overlays already
                await engine.prepare(ctx.branch, ref.db)
                parent = qualified(overlay_db(ctx.branch.id, ref.db), ref.name)
                edits.append((ref.start, ref.end, parent))
        elif rdb is None or (ref.db is None and ref.name in ctes):
            continue
        else:
            ts = ctx.branch.tables.get((rdb, ref.name))
            if ts is not None and ts.state != "dropped":  # LIKE / SELECT FROM a branch table
                table = qualified(ts.overlay_db, ts.overlay_table)
            elif select is None and not await exists_on_branch(engine, ctx, rdb, ref.name):
                raise unknown_table(rdb, ref.name)  # LIKE a table the branch does not have
            else:
                table = qualified(rdb, ref.name)
            if ref.start not in {e[0] for e in merged}:
                edits.append((ref.start, ref.end, table))
            alias = "" if ref.alias else f" AS {quote_ident(ref.name)}"
            plain.append((ref.start, ref.end, f"(SELECT * FROM {table} LIMIT 0){alias}"))
    await clear_slot(engine, ovdb, name)  # a dropped table's leftovers, a pre-created overlay
    # CREATE TABLE commits implicitly, as on a real copy.
    checks = await client_fk_checks(client)
    await client.query("COMMIT")
    sql = splice(ctx.sql, edits)
    reply: QueryResult
    if select is None:
        if checks:
            reply = await engine.control.query(sql)
        else:
            async with fk_checks_off(engine.control):
                reply = await engine.control.query(sql)
    else:
        at = _select_start(tokens, next(r.end for r in refs if r.node is node))
        fill = splice(ctx.sql, [e for e in edits if e[0] >= at])[at:]
        reply = await _create_select(engine, qualified(ovdb, name), splice(ctx.sql, plain), fill)
    await mirror_grants(engine.control, ctx.branch.id, db, await current_grantee(client))
    await engine.grant_new(ctx.branch, db)
    ts = TableState(db, name, "created", ovdb, name, tomb_table(name))
    await engine.save_table(ctx.branch, ts, (db, name))
    engine.forget_meta(ovdb, name)
    return OkReply(reply.affected_rows, 0, reply.warnings, reply.info)


def _select_start(tokens: list, after: int) -> int:  # type: ignore[type-arg]
    """Where the SELECT of `CREATE TABLE t [(defs)] [options] [AS] SELECT …` begins."""
    depth = 0
    for i, t in enumerate(tokens):
        if t.start < after:
            continue
        word = t.text.upper()
        if t.token_type == TokenType.L_PAREN:
            nxt = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
            if depth == 0 and nxt in ("SELECT", "WITH", "("):
                return int(t.start)
            depth += 1
        elif t.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and word in ("SELECT", "WITH") and t.token_type != TokenType.IDENTIFIER:
            return int(t.start)
    raise _ns("this form of CREATE TABLE … SELECT")


async def _create_select(engine: BranchEngine, target: str, shaped: str, fill: str) -> QueryResult:
    """CREATE TABLE … SELECT on the control connection, in two steps: the user's statement over
    empty derived tables (the table, typed as on a real copy, no rows), then its rows from the
    branch's merged reads, under READ COMMITTED so InnoDB reads the base with consistent reads
    (REPEATABLE READ would take shared locks on base rows)."""
    c = engine.control
    var = "tx_isolation" if engine.flavor == "mariadb" else "transaction_isolation"
    res = await c.query(f"SELECT @@SESSION.{var}")
    old = (text(res.rows[0][0]) or "REPEATABLE-READ").replace("-", " ")
    await c.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    try:
        async with fk_checks_off(c):
            await c.query(shaped)
            names = await c.query(f"SELECT * FROM ({fill}) AS `_bdb_s` LIMIT 0")
            cols = ", ".join(quote_ident(col.name) for col in names.columns)
            return await c.query(f"INSERT INTO {target} ({cols}) {fill}")
    finally:
        await c.query(f"SET SESSION TRANSACTION ISOLATION LEVEL {old}")


async def truncate(
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


async def drop_tables(
    engine: BranchEngine, ctx: StatementContext, client: Executor, tree: exp.Drop
) -> Outcome:
    nodes = tree.args.get("tables") or ([tree.this] if tree.this is not None else [])
    names: list[tuple[str, str]] = []
    missing: list[tuple[str, str]] = []
    for node in nodes:
        key = (db_of(ctx, node), node.name)
        if key in names or key in missing:
            continue  # MySQL reports a repeated name as "Not unique table": let it be
        (names if await exists_on_branch(engine, ctx, *key) else missing).append(key)
    if missing and not tree.args.get("exists") and engine.flavor == "mysql":
        raise _unknown(missing)  # MySQL 8's DROP is atomic: nothing is dropped
    if names and await client_fk_checks(client):
        await _refuse_referenced(engine, ctx, names)
    await client.query("COMMIT")  # DROP TABLE commits implicitly, as on a real copy
    for db, name in names:
        await drop_one(engine, ctx, db, name)
    if missing and not tree.args.get("exists"):
        raise _unknown(missing)  # MariaDB drops the others, then reports the missing ones
    # One note naming every missing table on MariaDB, one note per table on MySQL.
    notes = len(missing) if engine.flavor == "mysql" else min(len(missing), 1)
    return OkReply(0, 0, notes, "")


async def _refuse_referenced(
    engine: BranchEngine, ctx: StatementContext, names: list[tuple[str, str]]
) -> None:
    """A parent table another branch table still references cannot be dropped (foreign key
    checks on), as on a real copy: the overlays carry every foreign key, so ask them."""
    slots = {(overlay_db(ctx.branch.id, d), n) for d, n in names}
    for ovdb, name in sorted(slots):
        res = await engine.control.query(
            "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME"
            " FROM information_schema.REFERENTIAL_CONSTRAINTS"
            f" WHERE UNIQUE_CONSTRAINT_SCHEMA = {quote_str(ovdb)}"
            f" AND REFERENCED_TABLE_NAME = {quote_str(name)}"
        )
        for row in res.rows:
            schema, child, constraint = (text(v) or "" for v in row)
            if (schema, child) in slots:
                continue  # dropped in the same statement (or a self-reference)
            if engine.flavor == "mysql":
                raise EngineError(
                    3730,
                    "HY000",
                    f"Cannot drop table '{name}' referenced by a foreign key constraint"
                    f" '{constraint}' on table '{child}'.",
                )
            raise EngineError(
                1451,
                "23000",
                "Cannot delete or update a parent row: a foreign key constraint fails",
            )


def _unknown(missing: list[tuple[str, str]]) -> EngineError:
    return EngineError(1051, "42S02", f"Unknown table '{','.join(f'{d}.{n}' for d, n in missing)}'")


async def drop_one(engine: BranchEngine, ctx: StatementContext, db: str, name: str) -> None:
    """Remove `db.name` from the branch: a created table is forgotten, a base one hidden."""
    ts = ctx.branch.tables.get((db, name))
    if ts is not None:
        await drop_overlay(engine, ts)
    else:
        await clear_slot(engine, overlay_db(ctx.branch.id, db), name)
    if await base_has_table(engine, db, name) or db in ctx.branch.databases:
        dropped = TableState(db, name, "dropped", overlay_db(ctx.branch.id, db), name, "")
        await engine.save_table(ctx.branch, dropped, (db, name))
    elif ts is not None:
        await engine.save_table(ctx.branch, None, (db, name))
