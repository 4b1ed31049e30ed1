"""SHOW and DESCRIBE on a branch (DESIGN §7): the answers a real copy of the database would give.

The server does the describing. A statement about one table that the branch changed is asked of
its overlay table (relayed unchanged when no name in the reply needs mapping); one about a clean
table passes through. Listings (SHOW [FULL] TABLES, TABLE STATUS, TRIGGERS, DATABASES) run on the
base and on the overlay schema with the client's own LIKE/WHERE, and the two replies are merged:
base rows of tables the branch still shows, overlay rows of the branch's tables under their branch
names. Column definitions come from the server's reply, so headers and types are the server's.

Branch sessions may not reach branchdb's own schemas at all (`refuse_internal`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot.tokenizer_core import TokenType

from branchdb.sqlrewrite.refs import Unparseable, tokenize

from .executor import Column, Executor, QueryResult, quote_ident, quote_str
from .grants import current_grantee
from .metadata_parse import ShowStatement, parse_show
from .metadata_scope import (
    created_databases,
    dropped_databases,
    find,
    overlay_schema,
    shadowed,
    shown_tables,
    trigger_hidden,
)
from .naming import CATALOG_DB, OVERLAY_PREFIX, TOMB_PREFIX, is_internal_db
from .outcome import (
    EngineError,
    Outcome,
    Passthrough,
    RelayQuery,
    ResultReply,
    StatementContext,
    no_such_table,
)
from .tablemeta import qualified

if TYPE_CHECKING:
    from .catalog import BranchInfo
    from .engine import BranchEngine

_META_HEADS = ("show", "desc", "explain")
_SYSTEM = frozenset({"information_schema", "mysql", "performance_schema", "sys"})
_INTERNAL_WORD = re.compile(
    re.escape(CATALOG_DB) + r"|" + re.escape(OVERLAY_PREFIX) + r"[\w$]*", re.IGNORECASE
)


def mentions_internal(low: str) -> bool:
    """Cheap pre-check on lower-cased SQL: could it name a branchdb schema?"""
    return OVERLAY_PREFIX in low or CATALOG_DB in low


def touches_metadata(low: str) -> bool:
    """Cheap pre-check on lower-cased SQL (substring tests only): is it a statement this module
    or `infoschema` must see on a branch?"""
    return (
        low.lstrip().startswith(_META_HEADS)
        or "information_schema" in low
        or mentions_internal(low)
    )


async def refuse_internal(ctx: StatementContext, client: Executor) -> None:
    """Raise 1044 (access denied, SQLSTATE 42000) when the statement names `_branchdb` or an
    overlay schema: a branch session must not read or write branchdb's bookkeeping or another
    branch's rows. 1044 rather than 1235 because this is a permanent privilege boundary, and
    tools already treat an inaccessible schema as "skip it". Nothing runs."""
    if not mentions_internal(ctx.sql.lower()):
        return
    name = _internal_name(ctx.sql)
    if name is not None:
        user = await current_grantee(client)
        raise EngineError(
            1044,
            "42000",
            f"Access denied for user {user} to database '{name}'"
            " (branchdb: internal schema, not reachable from a branch)",
        )


def _internal_name(sql: str) -> str | None:
    """The first identifier (not string or comment) naming a branchdb schema."""
    try:
        tokens = tokenize(sql)
    except Unparseable:
        m = _INTERNAL_WORD.search(sql)  # cannot tell strings apart: refuse on any mention
        return m.group(0) if m else None
    for tok in tokens:
        if tok.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING):
            continue
        low = tok.text.lower()
        if low == CATALOG_DB or low.startswith(OVERLAY_PREFIX):
            return tok.text
    return None


async def answer_metadata(engine: BranchEngine, ctx: StatementContext, client: Executor) -> Outcome:
    """The outcome of a SHOW/DESCRIBE/EXPLAIN-table statement on a branch."""
    st = parse_show(ctx.sql)
    if st is None:
        return Passthrough()
    if st.form == "DATABASES":
        return await _databases(ctx, client, st)
    if st.form == "CREATE DATABASE":
        return await _create_database(ctx, client, st)
    db = st.db or ctx.current_db
    if db is None or db.lower() in _SYSTEM:
        return Passthrough()  # the server reports 1046, or describes its own schemas
    if db in dropped_databases(ctx.branch):
        raise EngineError(1049, "42000", f"Unknown database '{db}'")
    if st.table is None:
        return await _listing(engine, ctx, client, st, db)
    return await _one_table(engine, ctx, client, st, db, st.table)


# ----------------------------------------------------------------- one table


async def _one_table(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    st: ShowStatement,
    db: str,
    name: str,
) -> Outcome:
    branch = ctx.branch
    ts = find(branch, db, name)
    if ts is None:
        hidden = (db, name) in shadowed(branch) or engine.base_filter(branch, db, name) == "HIDDEN"
        if hidden or db in created_databases(branch):
            raise no_such_table(db, name)
        return Passthrough()
    if ts.state == "dropped":
        raise no_such_table(db, name)
    target = qualified(ts.overlay_db, ts.overlay_table)
    if st.form == "DESCRIBE":
        sql = f"{st.head} {target} {st.tail}"
    elif st.form in ("COLUMNS", "INDEX"):
        sql = f"{st.head} FROM {target} {st.tail}"
    else:
        sql = f"{st.head} {target}"
    if st.form in ("COLUMNS", "DESCRIBE") or (st.form == "INDEX" and ts.overlay_table == ts.table):
        return RelayQuery(sql)  # nothing in the reply names the overlay
    res = await client.query(sql)
    names = _overlay_names(branch)
    head = re.compile("`" + re.escape(f"{OVERLAY_PREFIX}{branch.id}_") + "((?:[^`]|``)+)`")
    rows = []
    for row in res.rows:
        cells = list(row)
        if cells and cells[0] is not None:
            cells[0] = ts.table.encode()  # Table (SHOW INDEX) or the object's name (CREATE)
        if st.form.startswith("CREATE") and len(cells) > 1 and cells[1] is not None:
            cells[1] = _map_text(cells[1], names, head, ts.overlay_table, ts.table)
            if st.form == "CREATE VIEW" and db == ctx.current_db:
                # The server qualifies names of other databases only; the view's is current.
                cells[1] = cells[1].replace(quote_ident(db).encode() + b".", b"")
        rows.append(tuple(cells))
    return ResultReply(_with_rows(res, rows))


def _overlay_names(branch: BranchInfo) -> dict[str, str]:
    """Overlay schema name -> the branch database it stands for."""
    out = {s.overlay_db: s.db for s in shown_tables(branch)}
    for db in created_databases(branch):
        out[overlay_schema(branch, db)] = db
    return out


def _map_text(
    raw: bytes, schemas: dict[str, str], head: re.Pattern[str], ov_table: str, table: str
) -> bytes:
    """DDL text of an overlay object with overlay schema (and a renamed table's) names mapped
    back to the branch's names: known overlay schemas exactly, others of the branch by prefix."""
    out = raw.decode("utf-8", "surrogateescape")
    for ovdb, db in schemas.items():
        out = out.replace(quote_ident(ovdb), quote_ident(db))
    out = head.sub(lambda m: "`" + m.group(1) + "`", out)
    if ov_table != table:
        out = out.replace(quote_ident(ov_table), quote_ident(table), 1)
    return out.encode("utf-8", "surrogateescape")


# ----------------------------------------------------------------- listings


async def _listing(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    st: ShowStatement,
    db: str,
) -> Outcome:
    """SHOW [FULL] TABLES, SHOW TABLE STATUS, SHOW TRIGGERS of `db` as the branch has it."""
    branch = ctx.branch
    shown = {s.overlay_table: s.name for s in shown_tables(branch, db)}
    created_db = db in created_databases(branch)
    hidden = trigger_hidden(branch) if st.form == "TRIGGERS" else shadowed(branch)
    hide = {n for d, n in hidden if d == db}
    filters_hide = branch.mode == "empty"
    if not shown and not hide and not filters_hide and not created_db:
        return Passthrough()
    # TRIGGERS: rows name their table in column 2; the others name the table in column 0.
    key = 2 if st.form == "TRIGGERS" else 0
    base: QueryResult | None = None
    if not created_db:
        base = await client.query(f"{st.head} FROM {quote_ident(db)} {st.tail}")
    entries = shown_tables(branch, db)
    ovdb = entries[0].overlay_db if entries else overlay_schema(branch, db)
    over: QueryResult | None = None
    if shown:
        tail = _overlay_tail(st.tail, db, ovdb) if st.form == "TABLES" else st.tail
        over = await client.query(f"{st.head} FROM {quote_ident(ovdb)} {tail}")
    rows: list[tuple[bytes | None, ...]] = []
    for row in base.rows if base is not None else ():
        name = _s(row[key])
        if name in hide or engine.base_filter(branch, db, name) == "HIDDEN":
            continue
        rows.append(row)
    for row in over.rows if over is not None else ():
        name = _s(row[key])
        if name not in shown or (st.form == "TRIGGERS" and _s(row[0]).startswith(TOMB_PREFIX)):
            continue
        cells = list(row)
        cells[key] = shown[name].encode()
        rows.append(tuple(cells))
    if st.form != "TRIGGERS":
        rows.sort(key=lambda r: _s(r[0]).encode())
    if base is not None:
        return ResultReply(_with_rows(base, rows))
    assert over is not None or not shown
    if over is None:
        raise EngineError(1049, "42000", f"Unknown database '{db}'")
    cols = tuple(_rename_column(c, ovdb, db) for c in over.columns)
    return ResultReply(_with_rows(over, rows, cols))


def _overlay_tail(tail: str, db: str, ovdb: str) -> str:
    """A SHOW TABLES WHERE clause names the column `Tables_in_<db>`: on the overlay schema that
    column is `Tables_in_<overlay>`."""
    pattern = re.compile(r"`?Tables_in_" + re.escape(db) + r"`?", re.IGNORECASE)
    return pattern.sub(lambda _m: quote_ident(f"Tables_in_{ovdb}"), tail)


def _rename_column(col: Column, ovdb: str, db: str) -> Column:
    name = col.name.replace(ovdb, db)
    return Column(
        name=name,
        type_code=col.type_code,
        flags=col.flags,
        charset=col.charset,
        org_table=col.org_table,
        table=col.table,
        org_name=col.org_name.replace(ovdb, db),
        db=col.db,
        length=col.length,
        decimals=col.decimals,
    )


async def _databases(ctx: StatementContext, client: Executor, st: ShowStatement) -> Outcome:
    """SHOW DATABASES without branchdb's schemas and the ones dropped on the branch, with the
    databases created on the branch (filtered by the client's LIKE/WHERE on the server)."""
    res = await client.query(ctx.sql)
    dropped = dropped_databases(ctx.branch)
    rows = [r for r in res.rows if not is_internal_db(_s(r[0])) and _s(r[0]) not in dropped]
    extra = created_databases(ctx.branch)
    if extra:
        header = quote_ident("Database")
        values = " UNION ALL ".join(f"SELECT {quote_str(d)} AS {header}" for d in extra)
        cond = ""
        if st.tail:
            cond = f" WHERE {header} {st.tail}" if not st.where else f" {st.tail}"
        found = await client.query(f"SELECT * FROM ({values}) AS `_bdb_d`{cond}")
        rows.extend(found.rows)
        rows.sort(key=lambda r: _s(r[0]).encode())
    return ResultReply(_with_rows(res, rows))


async def _create_database(ctx: StatementContext, client: Executor, st: ShowStatement) -> Outcome:
    """SHOW CREATE DATABASE of a database the branch created (its overlay schema, named back)
    or dropped (unknown); others pass through."""
    db = st.table or ""
    if db in dropped_databases(ctx.branch):
        raise EngineError(1049, "42000", f"Unknown database '{db}'")
    if db not in created_databases(ctx.branch):
        return Passthrough()
    ovdb = overlay_schema(ctx.branch, db)
    res = await client.query(f"{st.head} {quote_ident(ovdb)}")
    old, new = quote_ident(ovdb).encode(), quote_ident(db).encode()
    rows = [
        (db.encode(), *(None if v is None else v.replace(old, new) for v in r[1:]))
        for r in res.rows
    ]
    return ResultReply(_with_rows(res, rows))


def _with_rows(
    res: QueryResult,
    rows: list[tuple[bytes | None, ...]],
    columns: tuple[Column, ...] | None = None,
) -> QueryResult:
    return QueryResult(
        columns=res.columns if columns is None else columns,
        rows=rows,
        warnings=res.warnings,
        status=res.status,
    )


def _s(v: bytes | None) -> str:
    return "" if v is None else v.decode("utf-8", "surrogateescape")
