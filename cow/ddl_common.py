"""What every branch DDL module needs: does a table or database exist on the branch, reading
qualified names from tokens (for statements sqlglot does not model), and dropping an overlay."""

from __future__ import annotations

from sqlglot.tokenizer_core import Token, TokenType

from branchdb.sqlrewrite.refs import tokenize

from .catalog import TableState
from .engine import SYSTEM_DBS, BranchEngine
from .executor import quote_str, text
from .naming import is_internal_db, tomb_table
from .outcome import NO_DB, EngineError, StatementContext
from .tablemeta import qualified

TableName = tuple[str, str]


async def base_db_exists(engine: BranchEngine, db: str) -> bool:
    res = await engine.control.query(
        f"SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {quote_str(db)}"
    )
    return bool(res.rows) and not is_internal_db(db)


async def db_exists_on_branch(engine: BranchEngine, ctx: StatementContext, db: str) -> bool:
    state = ctx.branch.databases.get(db)
    if state is not None:
        return state == "created"
    return db in SYSTEM_DBS or await base_db_exists(engine, db)


async def base_table_exists(
    engine: BranchEngine, ctx: StatementContext, db: str, name: str
) -> bool:
    """A base table (or view) the branch shows at `db.name` when it has no state of its own."""
    if db in ctx.branch.databases:
        return False  # created on the branch (no base behind it) or dropped
    if engine.base_filter(ctx.branch, db, name) == "HIDDEN":
        return False
    return await engine.meta(db, name) is not None


async def exists_on_branch(engine: BranchEngine, ctx: StatementContext, db: str, name: str) -> bool:
    ts = ctx.branch.tables.get((db, name))
    if ts is not None:
        return ts.state != "dropped"
    return await base_table_exists(engine, ctx, db, name)


async def base_has_table(engine: BranchEngine, db: str, name: str) -> bool:
    """The base itself has `db.name` (whether or not the branch shows it)."""
    return await engine.meta(db, name) is not None


def must_db(ctx: StatementContext, db: str | None) -> str:
    if db is not None:
        return db
    if ctx.current_db is None:
        raise NO_DB
    return ctx.current_db


def unknown_table(db: str, name: str) -> EngineError:
    return EngineError(1146, "42S02", f"Table '{db}.{name}' doesn't exist")


def table_exists_error(name: str) -> EngineError:
    return EngineError(1050, "42S01", f"Table '{name}' already exists")


# ----------------------------------------------------------------- names from tokens


def words_after(sql: str, start: int) -> list[Token]:
    """Tokens of `sql[start:]` with offsets into `sql` (the tokenizer swallows the rest of some
    statements, e.g. RENAME, into one string token)."""
    out = []
    for t in tokenize(sql[start:]):
        t.start += start
        t.end += start
        out.append(t)
    return out


def read_name(tokens: list[Token], i: int) -> tuple[str | None, str, int]:
    """`[db.]name` at tokens[i]: (db, name, index after it)."""
    if i >= len(tokens) or tokens[i].token_type in (TokenType.COMMA, TokenType.SEMICOLON):
        raise EngineError(1064, "42000", "You have an error in your SQL syntax")
    first = tokens[i].text
    if i + 2 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT:
        return first, tokens[i + 2].text, i + 3
    return None, first, i + 1


def upper(tokens: list[Token]) -> list[str]:
    return [t.text.upper() if t.token_type != TokenType.IDENTIFIER else "" for t in tokens]


# ----------------------------------------------------------------- overlay slots


async def clear_slot(engine: BranchEngine, ovdb: str, name: str) -> None:
    """Drop whatever sits at the overlay position of `name` (a pre-created empty overlay, its
    tombstones and triggers), so another table can take that name."""
    c = engine.control
    for tag in ("i", "u"):
        await c.query(f"DROP TRIGGER IF EXISTS {qualified(ovdb, tomb_table(f'{tag}_{name}'))}")
    await c.query("SET @_bdb_fkc2 = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0")
    try:
        await c.query(f"DROP TABLE IF EXISTS {qualified(ovdb, name)}")
        await c.query(f"DROP TABLE IF EXISTS {qualified(ovdb, tomb_table(name))}")
    finally:
        await c.query("SET SESSION foreign_key_checks = @_bdb_fkc2")
    engine.forget_meta(ovdb, name)


async def drop_overlay(engine: BranchEngine, ts: TableState) -> None:
    await clear_slot(engine, ts.overlay_db, ts.overlay_table)
    if ts.tomb_table and ts.tomb_table != tomb_table(ts.overlay_table):
        await engine.control.query(
            f"DROP TABLE IF EXISTS {qualified(ts.overlay_db, ts.tomb_table)}"
        )


async def show_create(engine: BranchEngine, db: str, name: str) -> str:
    res = await engine.control.query(f"SHOW CREATE TABLE {qualified(db, name)}")
    return text(res.rows[0][1]) or ""
