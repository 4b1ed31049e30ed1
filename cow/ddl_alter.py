"""ALTER TABLE on a branch: the overlay table changes, base rows are read through the table's
column map (DESIGN §4), so cheap changes copy nothing.

For a `cow` table the user's ALTER first runs on an empty scratch copy of the overlay (kept
between ALTERs: `alter_scratch`): the server itself rejects a bad ALTER there (1054, 1060, 1091, …)
before anything changes, and tells what each column became. `alter_plan` then decides between a
new column map and materialization; checks a real copy would make on its rows (no duplicate for a
new unique key, no NULL for a column made NOT NULL) run on the branch's merged view, and a table
failing one is materialized so the server raises the error (or converts the values) exactly as on
a real copy. Last, the user's text runs on the overlay itself, with foreign-key checks off (an
overlay holds only changed rows).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

from branchdb.proxy import logs
from branchdb.sqlrewrite.refs import Unparseable, tokenize

from .alter_actions import Action, split_actions
from .alter_fk import check_new_foreign_keys, parse_foreign_key
from .alter_plan import AlterPlan, implicit_default, plan
from .alter_scratch import overlay_shape, try_alter
from .catalog import TableState
from .engine import BranchEngine
from .executor import Executor, UpstreamError, quote_ident, quote_str, text
from .fkchecks import fk_checks_off
from .materialize import drop_triggers, materialize
from .outcome import NO_DB, EngineError, OkReply, Outcome, StatementContext
from .outcome import not_supported as _ns
from .storage import merged_view
from .tablemeta import ColumnMeta, TableMeta, qualified

_FK_KINDS = ("add_fk", "drop_fk")
_log = logs.get("alter")


def db_of(ctx: StatementContext, node: exp.Table) -> str:
    """The database a table node names, or the session's current one."""
    db = node.args.get("db")
    if db is not None:
        return str(db.name)
    if ctx.current_db is None:
        raise NO_DB
    return ctx.current_db


async def run_alter(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Expression | None = None,
) -> Outcome:
    """ALTER TABLE on a branch. Works from the statement's tokens alone (`tree` is not needed),
    so forms sqlglot cannot parse (ADD CHECK, CONVERT TO, ALTER ONLINE/IGNORE TABLE) work too."""
    try:
        tokens = tokenize(ctx.sql)
    except Unparseable:
        raise _ns("this form of ALTER TABLE") from None
    found = _table_span(tokens)
    if found is None:
        raise _ns("this form of ALTER")
    qual, name, start, end, if_exists = found
    db = qual or ctx.current_db
    if db is None:
        raise NO_DB
    actions = split_actions(ctx.sql, tokens, end)
    renames = [a for a in actions if a.kind == "rename_table"]
    rename = None
    if renames:
        from . import ddl  # local: ddl imports this module

        rename = getattr(ddl, "rename_branch_table", None)
        if rename is None or len(renames) > 1:
            raise _ns("ALTER TABLE … RENAME TO")
    body = [a for a in actions if a.kind != "rename_table"]
    # ALTER TABLE commits the open transaction before it runs, even when it then fails.
    await client.query("COMMIT")
    try:
        ts = await engine.ensure_dirty(ctx.branch, db, name)
    except EngineError as e:
        if if_exists and e.reply.errno == 1146:
            return OkReply(0, 0, 1, "")  # a note, as the server gives
        raise
    reply: Outcome = OkReply()
    if body:
        prefix = ctx.sql[:start]
        if renames:  # the rename runs after, through RENAME's own path
            text_of = _rebuild(ctx.sql, body)
        else:
            text_of = ctx.sql[end:]
        reply = await _alter(engine, ctx, client, ts, body, prefix, text_of)
    if rename is not None:
        new_db, new = renames[0].target or (None, name)
        await rename(engine, ctx, client, db, name, new_db or db, new, committed=True)
    return reply


_ALTER_MODIFIERS = frozenset({"ONLINE", "OFFLINE", "IGNORE"})


def _table_span(tokens: list[Token]) -> tuple[str | None, str, int, int, bool] | None:
    """(database or None, table, first character, one past the last, IF EXISTS) of the table
    an ALTER TABLE names; None when the statement is not an ALTER TABLE."""
    i = 1
    while i < len(tokens) and tokens[i].text.upper() in _ALTER_MODIFIERS:
        i += 1
    if i >= len(tokens) or tokens[i].text.upper() != "TABLE":
        return None
    i += 1
    if_exists = False
    if i + 1 < len(tokens) and tokens[i].text.upper() == "IF":
        if_exists = True
        i += 2 if tokens[i + 1].text.upper() == "EXISTS" else 1
    if i >= len(tokens):
        return None
    first = tokens[i]
    if i + 2 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT:
        last = tokens[i + 2]
        return first.text, last.text, first.start, last.end + 1, if_exists
    return None, first.text, first.start, first.end + 1, if_exists


def _rebuild(sql: str, actions: list[Action]) -> str:
    """The statement's text after the table name with only `actions` in it."""
    return " " + ", ".join(sql[a.start : a.end] for a in actions)


async def _alter(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    ts: TableState,
    actions: list[Action],
    prefix: str,
    rest: str,
) -> Outcome:
    pre = await engine.overlay_meta(ts)
    await _check_foreign_keys(engine, ctx, client, ts, pre, actions)
    mapped: AlterPlan | None = None
    shaped: TableMeta | None = None
    if ts.state == "cow":
        base = await engine.meta(*ts.base_key)
        if base is not None:
            mapped, shaped = await _plan_cow(engine, ctx, client, ts, base, pre, actions, rest)
            if mapped.materialize is not None:
                logs.event(
                    _log,
                    logging.INFO,
                    "alter_materializes",
                    table=f"{ts.base_db}.{ts.table}",
                    reason=mapped.materialize,
                )
                await materialize(engine, ctx.branch, ts)
                mapped = None
    else:
        await drop_triggers(engine.control, ts)  # nothing to hide; they name old key columns
    sql = prefix + qualified(ts.overlay_db, ts.overlay_table) + rest
    try:
        async with fk_checks_off(client):
            res = await client.query(sql)
    except UpstreamError as e:  # the server names the overlay: name the user's table instead
        raise EngineError(e.errno, e.sqlstate, _user_names(e.message, ts)) from None
    finally:
        engine.forget_meta(ts.overlay_db, ts.overlay_table)
    if mapped is not None and shaped is not None:
        # What load_table_meta would read back now; saves the next statement three queries.
        engine.remember_meta(ts.overlay_db, ts.overlay_table, shaped)
    if mapped is not None:
        ts.column_map = mapped.column_map
        await engine.save_table(ctx.branch, ts, (ts.base_db, ts.table))
    return OkReply(0, 0, res.warnings, res.info)


def _user_names(message: str, ts: TableState) -> str:
    return message.replace(ts.overlay_db, ts.base_db)


async def _check_foreign_keys(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    ts: TableState,
    pre: TableMeta,
    actions: list[Action],
) -> None:
    adds = [a for a in actions if a.kind == "add_fk"]
    if not adds:
        return
    res = await client.query("SELECT @@SESSION.foreign_key_checks")
    if text(res.rows[0][0]) != "1":
        return  # a real copy adds the key unchecked too
    keys = [k for k in (parse_foreign_key(ctx.sql, a) for a in adds) if k is not None]
    view = await engine.read_text(ctx.branch, ts.base_db, ts.table)
    child = view or qualified(ts.overlay_db, ts.overlay_table)
    await check_new_foreign_keys(engine, ctx, child, pre, keys, ts.base_db, ts.table)


async def _plan_cow(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    ts: TableState,
    base: TableMeta,
    pre: TableMeta,
    actions: list[Action],
    rest: str,
) -> tuple[AlterPlan, TableMeta | None]:
    """Try the ALTER on a scratch copy, then decide; run the data checks the plan needs.
    Also the overlay's metadata after the ALTER when the trial ran all of it (None: unknown)."""
    shape = await overlay_shape(engine.control, ts)
    fks = shape.foreign_keys
    trial = [
        a
        for a in actions
        if a.kind not in _FK_KINDS
        and not (a.kind == "drop_constraint" and (a.name or "").lower() in fks)
    ]
    if not trial:
        return AlterPlan(), None  # foreign keys only: no column changes
    whole = len(trial) == len(actions)
    after, prefix_keys = await try_alter(
        engine, client, ts, shape, rest if whole else _rebuild(ctx.sql, trial)
    )
    defaults = {
        c.name.lower(): _constant_default(engine, c)
        for c in after.columns
        if pre.column(c.name) is None or any(a.new_name == c.name for a in actions)
    }
    decided = plan(ts.column_map, base, pre, after, actions, defaults, prefix_keys)
    # The copy ran every action: the overlay will look exactly like it (no query needed then).
    shaped = replace(after, db=ts.overlay_db, table=ts.overlay_table) if whole else None
    if decided.materialize is not None:
        return decided, None
    view = merged_view(ts, base, pre, engine.base_filter(ctx.branch, *ts.base_key))
    for col in decided.not_null:
        if await _exists(
            engine, f"SELECT 1 FROM {view} AS `m` WHERE `m`.{quote_ident(col)} IS NULL"
        ):
            decided.materialize = f"NULL values in {col}, which becomes NOT NULL"
            return decided, None
    for key in decided.unique:
        cols = ", ".join(f"`m`.{quote_ident(c)}" for c in key)
        nonnull = " AND ".join(f"`m`.{quote_ident(c)} IS NOT NULL" for c in key)
        if await _exists(
            engine,
            f"SELECT 1 FROM {view} AS `m` WHERE {nonnull} GROUP BY {cols} HAVING COUNT(*) > 1",
        ):
            decided.materialize = "duplicate values for a new unique key"
            return decided, None
    return decided, shaped


async def _exists(engine: BranchEngine, select: str) -> bool:
    return bool((await engine.control.query(select + " LIMIT 1")).rows)


def _constant_default(engine: BranchEngine, col: ColumnMeta) -> str | None:
    """The constant SQL value existing rows get in an added column (None: not a constant)."""
    d = col.default
    if d is None:
        d = implicit_default(col)  # already SQL
    elif engine.flavor == "mysql":
        if "(" in d or d.upper().startswith("CURRENT_TIMESTAMP") or col.data_type == "bit":
            return None
        # MySQL 8 reports the bare value: a number stays a number (merged reads keep the type).
        if not (col.data_type in _NUMERIC and _NUMBER.fullmatch(d)):
            d = quote_str(d)
    elif "(" in d or d.upper().startswith("CURRENT_TIMESTAMP"):
        return None  # an expression (evaluated per row, or at ALTER time): materialize
    if d is None or d == "NULL":
        return d
    # (MariaDB reports the default as an SQL literal already.) A temporal literal is a string
    # to the server: cast it, so a merged read's column keeps the column's type.
    cast = _TEMPORAL.get(col.data_type)
    if cast is not None:
        scale = col.column_type.partition("(")[2].rstrip(")")
        return f"CAST({d} AS {cast}{f'({scale})' if scale.isdigit() else ''})"
    return d


_NUMERIC = frozenset(
    {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "year"}
)
_TEMPORAL = {"date": "DATE", "datetime": "DATETIME", "timestamp": "DATETIME", "time": "TIME"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
