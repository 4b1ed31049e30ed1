"""SHOW and DESCRIBE on a branch (DESIGN §7): the answers a real copy of the database would give.

The server does the describing. A statement about one table that the branch changed is asked of
its overlay table (relayed unchanged when no name in the reply needs mapping); one about a clean
table passes through. Listings (SHOW [FULL] TABLES, TABLE STATUS, TRIGGERS, DATABASES) run on the
base and on the overlay schema with the client's own LIKE/WHERE, and the two replies are merged:
base rows of tables the branch still shows, overlay rows of the branch's tables under their branch
names. Column definitions come from the server's reply, so headers and types are the server's.

Listings are in `metadata_listing`; the refusal of branchdb's own schemas in `metadata_guard`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .executor import Executor, quote_ident
from .metadata_listing import create_database, databases, listing, with_rows
from .metadata_parse import ShowStatement, parse_show
from .metadata_scope import (
    created_databases,
    dropped_databases,
    find,
    overlay_schema,
    shadowed,
    shown_tables,
)
from .naming import OVERLAY_PREFIX
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

_SYSTEM = frozenset({"information_schema", "mysql", "performance_schema", "sys"})


async def answer_metadata(engine: BranchEngine, ctx: StatementContext, client: Executor) -> Outcome:
    """The outcome of a SHOW/DESCRIBE/EXPLAIN-table statement on a branch."""
    st = parse_show(ctx.sql)
    if st is None:
        return Passthrough()
    if st.form == "DATABASES":
        return await databases(ctx, client, st)
    if st.form == "CREATE DATABASE":
        return await create_database(ctx, client, st)
    db = st.db or ctx.current_db
    if db is None or db.lower() in _SYSTEM:
        return Passthrough()  # the server reports 1046, or describes its own schemas
    if db in dropped_databases(ctx.branch):
        raise EngineError(1049, "42000", f"Unknown database '{db}'")
    if st.table is None:
        return await listing(engine, ctx, client, st, db)
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
    return ResultReply(with_rows(res, rows))


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
