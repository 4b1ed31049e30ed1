"""RENAME TABLE on a branch (and the rename behind ALTER TABLE … RENAME TO).

The overlay table and its tombstones move to the new name's overlay position; a `cow` table keeps
reading its base rows from the base table it came from (`TableState.base_key`), so nothing is
copied. The old name becomes `dropped` when the base has a table there (the branch must not show
it), else it is forgotten. A clean table is made dirty first (no rows are copied either).
Pairs run one after another, as MySQL does, so swaps (a→tmp, b→a, tmp→b) work.
"""

from __future__ import annotations

from sqlglot.tokenizer_core import TokenType

from .catalog import TableState
from .ddl_common import (
    base_has_table,
    clear_slot,
    db_exists_on_branch,
    exists_on_branch,
    must_db,
    read_name,
    table_exists_error,
    words_after,
)
from .engine import BranchEngine
from .executor import Executor, quote_ident
from .naming import overlay_db, tomb_table
from .outcome import EngineError, OkReply, Outcome, StatementContext
from .outcome import not_supported as _ns
from .storage import trigger_ddl
from .tablemeta import qualified

Pair = tuple[str, str, str, str]


def rename_pairs(ctx: StatementContext, sql: str) -> list[Pair]:
    """(db, old, new_db, new) of `RENAME TABLE a TO b [, c TO d …]`."""
    first = words_after(sql, 0)[0]  # RENAME: the tokenizer swallows what follows it
    toks = words_after(sql, first.end + 1)
    if not toks or toks[0].text.upper() not in ("TABLE", "TABLES"):
        raise _ns("this form of RENAME")
    toks = toks[1:]
    pairs: list[Pair] = []
    i = 0
    while i < len(toks):
        db, old, i = read_name(toks, i)
        if i < len(toks) and toks[i].text.upper() in ("WAIT", "NOWAIT"):
            i += 2 if toks[i].text.upper() == "WAIT" else 1
        if i >= len(toks) or toks[i].text.upper() != "TO":
            raise EngineError(1064, "42000", "You have an error in your SQL syntax near RENAME")
        new_db, new, i = read_name(toks, i + 1)
        pairs.append((must_db(ctx, db), old, must_db(ctx, new_db), new))
        if i < len(toks) and toks[i].token_type == TokenType.COMMA:
            i += 1
        elif i < len(toks) and toks[i].token_type != TokenType.SEMICOLON:
            raise EngineError(1064, "42000", "You have an error in your SQL syntax near RENAME")
        else:
            break
    return pairs


async def run_rename(
    engine: BranchEngine, ctx: StatementContext, client: Executor, sql: str
) -> Outcome:
    pairs = rename_pairs(ctx, sql)
    await _check_all(engine, ctx, pairs)  # atomic, as on MySQL: all pairs are valid or none runs
    await client.query("COMMIT")  # RENAME TABLE commits implicitly, as on a real copy
    for db, old, new_db, new in pairs:
        await rename_branch_table(engine, ctx, client, db, old, new_db, new, committed=True)
    return OkReply()


async def _check_all(engine: BranchEngine, ctx: StatementContext, pairs: list[Pair]) -> None:
    """The errors the pairs would meet, run in order, before any of them runs."""
    now: dict[tuple[str, str], bool] = {}  # names whose existence earlier pairs changed

    async def exists(db: str, name: str) -> bool:
        if (db, name) in now:
            return now[(db, name)]
        return await exists_on_branch(engine, ctx, db, name)

    for db, old, new_db, new in pairs:
        if not await exists(db, old):
            raise EngineError(1146, "42S02", f"Table '{db}.{old}' doesn't exist")
        if await exists(new_db, new):
            raise table_exists_error(new)
        if not await db_exists_on_branch(engine, ctx, new_db):
            raise EngineError(1049, "42000", f"Unknown database '{new_db}'")
        now[(db, old)] = False
        now[(new_db, new)] = True


async def rename_branch_table(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    db: str,
    old: str,
    new_db: str,
    new: str,
    *,
    committed: bool = False,
) -> None:
    """Rename the branch's `db.old` to `new_db.new` (RENAME TABLE, ALTER TABLE … RENAME TO).

    Errors as MySQL: 1146 when the source is missing, 1050 when the target exists.
    """
    if not await exists_on_branch(engine, ctx, db, old):
        raise EngineError(1146, "42S02", f"Table '{db}.{old}' doesn't exist")
    if (db, old) == (new_db, new):
        raise table_exists_error(new)
    if await exists_on_branch(engine, ctx, new_db, new):
        raise table_exists_error(new)
    if not await db_exists_on_branch(engine, ctx, new_db):
        raise EngineError(1049, "42000", f"Unknown database '{new_db}'")
    if not committed:
        await client.query("COMMIT")
    base = await engine.meta(db, old) if (db, old) not in ctx.branch.tables else None
    if base is not None and base.is_view:
        raise _ns("renaming a base view")
    ts = await engine.ensure_dirty(ctx.branch, db, old)
    ovdb = overlay_db(ctx.branch.id, new_db)
    c = engine.control
    await c.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ovdb)}")
    await clear_slot(engine, ovdb, new)  # a dropped table's leftovers, a pre-created overlay
    moved = TableState(
        new_db,
        new,
        ts.state,
        ovdb,
        new,
        tomb_table(new),
        dict(ts.column_map),
        ts.base_table_db,
        ts.base_table,
    )
    # Our triggers name the old tombstone table, and MySQL will not move a table with triggers
    # to another schema (1435): drop them, rename, make them again for the new names.
    for tag in ("i", "u"):
        trig = qualified(ts.overlay_db, tomb_table(f"{tag}_{ts.overlay_table}"))
        await c.query(f"DROP TRIGGER IF EXISTS {trig}")
    moves = [
        f"{qualified(ts.overlay_db, ts.overlay_table)} TO {qualified(ovdb, new)}",
    ]
    if ts.tomb_table and ts.state in ("cow", "materialized"):
        moves.append(
            f"{qualified(ts.overlay_db, ts.tomb_table)} TO {qualified(ovdb, moved.tomb_table)}"
        )
    await c.query("RENAME TABLE " + ", ".join(moves))
    engine.forget_meta(ts.overlay_db, ts.overlay_table)
    engine.forget_meta(ovdb, new)
    if moved.state == "cow":  # a materialized table has no base rows to hide: no triggers
        basemeta = await engine.meta(*moved.base_key)
        if basemeta is not None and basemeta.primary_key:
            for sql in trigger_ddl(moved, basemeta):
                if not sql.startswith("DROP"):
                    await c.query(sql)
    await engine.grant_new(ctx.branch, new_db)
    await engine.save_table(ctx.branch, moved, (new_db, new))
    if await base_has_table(engine, db, old) or db in ctx.branch.databases:
        gone = TableState(db, old, "dropped", overlay_db(ctx.branch.id, db), old, "")
        await engine.save_table(ctx.branch, gone, (db, old))
    else:
        await engine.save_table(ctx.branch, None, (db, old))
