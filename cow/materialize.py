"""Materialize a `cow` table: copy its visible base rows into the overlay, so the overlay alone
is the branch's table (state `materialized`, DESIGN §4).

Used where no column mapping can express a schema change (ALTER … MODIFY to another type, primary
key changes, …): the ALTER then runs on the full overlay and the server converts every value
itself, exactly as on a real copy. Also used for small tables on their first write.

The copy never locks base rows: it runs on the control connection as INSERT … SELECT under READ
COMMITTED, where InnoDB reads the source as a consistent (non-locking) read. Tables with a
one-column primary key are copied in key-ordered chunks, with a progress line for large ones.
"""

from __future__ import annotations

import logging
import time

from branchdb.proxy import logs

from .catalog import BranchInfo, TableState
from .engine import BranchEngine
from .executor import Executor, quote_ident, text
from .fkchecks import fk_checks_off
from .naming import tomb_table
from .storage import base_expr, copy_columns, filter_match, tomb_match, trigger_ddl
from .tablemeta import TableMeta, qualified

CHUNK_ROWS = 100_000
_INTEGER_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint"})
_log = logs.get("materialize")


async def materialize(engine: BranchEngine, branch: BranchInfo, ts: TableState) -> int:
    """Copy base minus tombstones into the overlay, forget tombstones and column map, and record the
    table as `materialized`. Returns the number of rows copied."""
    if ts.state != "cow":
        return 0
    base = await engine.meta(*ts.base_key)
    overlay = await engine.overlay_meta(ts)
    filt = engine.base_filter(branch, *ts.base_key)
    started = time.monotonic()
    copied = 0
    if base is not None:
        await drop_triggers(engine.control, ts)
        try:
            copied = await _copy(engine, ts, base, overlay, filt)
        except BaseException:
            await _undo_copy(engine.control, ts, base)
            raise
        await engine.control.query(f"DELETE FROM {qualified(ts.overlay_db, ts.tomb_table)}")
    ts.state = "materialized"
    ts.column_map = {}
    await engine.save_table(branch, ts, (ts.base_db, ts.table))
    logs.event(
        _log,
        logging.INFO,
        "materialized",
        table=f"{ts.base_db}.{ts.table}",
        rows=copied,
        secs=round(time.monotonic() - started, 3),
    )
    return copied


async def _undo_copy(control: Executor, ts: TableState, base: TableMeta) -> None:
    """Put a `cow` table back as it was after a failed copy: the rows the copy wrote are the
    overlay rows whose key is not tombstoned (every row the branch wrote is), and the triggers
    come back."""
    ov = qualified(ts.overlay_db, ts.overlay_table)
    if base.primary_key:
        # Single-table DELETE (no alias: MariaDB 10.11 takes none); the subquery names the
        # overlay by its table name.
        hidden = tomb_match(ts, base, ts.overlay_table, same_stmt_hides=True)
        await control.query(f"DELETE FROM {ov} WHERE {hidden}")
        for sql in trigger_ddl(ts, base):
            await control.query(sql)
    else:
        # Without a key, the branch's rows exist only together with the marker row.
        await control.query(
            f"DELETE FROM {ov} WHERE {tomb_match(ts, base, ov, same_stmt_hides=True)}"
        )


async def drop_triggers(control: Executor, ts: TableState) -> None:
    """The tombstone triggers: a materialized table has no base rows to hide, and the copy below
    reads the tombstone table (a trigger writing it would fail the statement, error 1442)."""
    for tag in ("i", "u"):
        name = qualified(ts.overlay_db, tomb_table(f"{tag}_{ts.table}"))
        await control.query(f"DROP TRIGGER IF EXISTS {name}")


async def _copy(
    engine: BranchEngine, ts: TableState, base: TableMeta, overlay: TableMeta, filt: str | None
) -> int:
    c = engine.control
    var = "tx_isolation" if engine.flavor == "mariadb" else "transaction_isolation"
    res = await c.query(f"SELECT @@SESSION.{var}")
    old = (text(res.rows[0][0]) or "REPEATABLE-READ").replace("-", " ")
    cols = copy_columns(ts, base, overlay)
    names = ", ".join(quote_ident(n) for n in cols)
    exprs = ", ".join(base_expr(ts, base, n, "_bdb_b") for n in cols)
    head = (
        f"INSERT INTO {qualified(ts.overlay_db, ts.overlay_table)} ({names})"
        f" SELECT {exprs} FROM {qualified(base.db, base.table)} AS `_bdb_b`"
        f" WHERE {tomb_match(ts, base, '_bdb_b', same_stmt_hides=True)}"
        f" AND {filter_match(base, '_bdb_b', filt)}"
    )
    copied = 0
    await c.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    try:
        async with fk_checks_off(c):
            key = base.column(base.primary_key[0]) if len(base.primary_key) == 1 else None
            if key is None or key.data_type not in _INTEGER_TYPES:
                return (await c.query(head)).affected_rows
            pk = f"`_bdb_b`.{quote_ident(base.primary_key[0])}"
            last: bytes | None = None
            while True:
                after = "1" if last is None else f"{pk} > {_lit(last)}"
                res = await c.query(
                    f"SELECT {pk} FROM {qualified(base.db, base.table)} AS `_bdb_b`"
                    f" WHERE {after} ORDER BY {pk} LIMIT 1 OFFSET {CHUNK_ROWS - 1}"
                )
                bound = res.rows[0][0] if res.rows else None
                upto = "" if bound is None else f" AND {pk} <= {_lit(bound)}"
                copied += (await c.query(f"{head} AND {after}{upto}")).affected_rows
                if bound is None:
                    return copied
                last = bound
                logs.event(
                    _log,
                    logging.INFO,
                    "materialize_progress",
                    table=f"{ts.base_db}.{ts.table}",
                    rows=copied,
                )
    finally:
        await c.query(f"SET SESSION TRANSACTION ISOLATION LEVEL {old}")


def _lit(value: bytes | None) -> str:
    """An integer key value as read back in text form."""
    return "NULL" if value is None else str(int(value))
