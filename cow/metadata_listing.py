"""Listings on a branch: SHOW [FULL] TABLES, SHOW TABLE STATUS, SHOW TRIGGERS, SHOW DATABASES
and SHOW CREATE DATABASE.

Each runs on the base and on the branch's overlay schema with the client's own LIKE/WHERE, and the
two replies are merged: base rows of tables the branch still shows, overlay rows of the branch's
tables under their branch names, sorted as the server sorts. The column definitions are the
server's own, so headers and types match a real copy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .executor import Column, Executor, QueryResult, quote_ident, quote_str
from .metadata_parse import ShowStatement
from .metadata_scope import (
    created_databases,
    dropped_databases,
    overlay_schema,
    shadowed,
    shown_tables,
    trigger_hidden,
)
from .naming import TOMB_PREFIX, is_internal_db
from .outcome import EngineError, Outcome, Passthrough, ResultReply, StatementContext

if TYPE_CHECKING:
    from .engine import BranchEngine


async def listing(
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
        return ResultReply(with_rows(base, rows))
    assert over is not None or not shown
    if over is None:
        raise EngineError(1049, "42000", f"Unknown database '{db}'")
    cols = tuple(_rename_column(c, ovdb, db) for c in over.columns)
    return ResultReply(with_rows(over, rows, cols))


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


async def databases(ctx: StatementContext, client: Executor, st: ShowStatement) -> Outcome:
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
    return ResultReply(with_rows(res, rows))


async def create_database(ctx: StatementContext, client: Executor, st: ShowStatement) -> Outcome:
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
    return ResultReply(with_rows(res, rows))


def with_rows(
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
