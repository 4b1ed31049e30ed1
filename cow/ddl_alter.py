"""ALTER TABLE on a branch: the overlay table changes, base rows are read through the table's
column map (DESIGN §4), so cheap changes copy nothing.
"""

from __future__ import annotations

from sqlglot import exp

from .catalog import TableState
from .engine import BranchEngine
from .executor import Executor, quote_str, text
from .outcome import NO_DB, OkReply, Outcome, StatementContext
from .outcome import not_supported as _ns
from .tablemeta import qualified


def db_of(ctx: StatementContext, node: exp.Table) -> str:
    """The database a table node names, or the session's current one."""
    db = node.args.get("db")
    if db is not None:
        return str(db.name)
    if ctx.current_db is None:
        raise NO_DB
    return ctx.current_db


async def run_alter(
    engine: BranchEngine, ctx: StatementContext, client: Executor, tree: exp.Alter
) -> Outcome:
    node = tree.this
    if str(tree.args.get("kind") or "").upper() != "TABLE" or not isinstance(node, exp.Table):
        raise _ns("this form of ALTER")
    actions = tree.args.get("actions") or []
    if not actions or not all(isinstance(a, exp.ColumnDef) for a in actions):
        raise _ns("ALTER TABLE other than ADD COLUMN")
    db, name = db_of(ctx, node), node.name
    ts = await engine.ensure_dirty(ctx.branch, db, name)
    for a in actions:
        if any(isinstance(c.kind, exp.AutoIncrementColumnConstraint) for c in a.constraints):
            raise _ns("adding an AUTO_INCREMENT column")
    # Splice the overlay's name in place of the table name.
    start = node.args["db"].meta["start"] if node.args.get("db") else node.this.meta["start"]
    end = node.this.meta["end"] + 1
    await client.query(ctx.sql[:start] + qualified(ts.overlay_db, ts.overlay_table) + ctx.sql[end:])
    engine.forget_meta(ts.overlay_db, ts.overlay_table)
    if ts.state == "cow":
        for a in actions:
            ts.column_map[a.name] = await _default_sql(engine, ts, a.name)
        await engine.save_table(ctx.branch, ts, (db, name))
    return OkReply()


async def _default_sql(engine: BranchEngine, ts: TableState, column: str) -> str:
    """What base rows show in a column the branch added: the value the server would have
    written into existing rows."""
    res = await engine.control.query(
        "SELECT COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE FROM information_schema.COLUMNS"
        f" WHERE TABLE_SCHEMA = {quote_str(ts.overlay_db)}"
        f" AND TABLE_NAME = {quote_str(ts.overlay_table)} AND COLUMN_NAME = {quote_str(column)}"
    )
    default, nullable, dtype = (text(v) for v in res.rows[0])
    if default is None:
        if nullable == "YES":
            return "NULL"
        return _implicit_default(dtype or "")
    if engine.flavor == "mariadb":
        return default  # MariaDB reports the default as an SQL expression already
    return quote_str(default)


def _implicit_default(dtype: str) -> str:
    if dtype in ("date",):
        return "'0000-00-00'"
    if dtype in ("datetime", "timestamp"):
        return "'0000-00-00 00:00:00'"
    if dtype == "time":
        return "'00:00:00'"
    if dtype in ("char", "varchar", "text", "tinytext", "mediumtext", "longtext", "enum", "set"):
        return "''"
    if dtype in ("binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob"):
        return "''"
    return "0"
