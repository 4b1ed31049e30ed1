"""Materialize a `cow` table: copy its visible base rows into the overlay, so the overlay alone
is the branch's table (state `materialized`, DESIGN §4).

Used where no column mapping can express a schema change (ALTER … MODIFY to another type, primary
key changes, …): the ALTER then runs on the full overlay and the server converts every value
itself, exactly as on a real copy. Also used for small tables on their first write.

The copy never locks base rows: it runs on the control connection as INSERT … SELECT under READ
COMMITTED, where InnoDB reads the source as a consistent (non-locking) read. Tables with a
one-column integer primary key are copied in key-ordered chunks, with a progress line each; the
whole copy, the tombstones' removal and the catalog's new state commit together.
"""

from __future__ import annotations

import logging
import time

from branchdb.proxy import logs

from .catalog import BranchInfo, TableState, upsert_table_sql
from .engine import BranchEngine
from .executor import Executor, UpstreamError, quote_ident, text
from .fkchecks import fk_checks_off
from .naming import CATALOG_DB, tomb_table
from .storage import base_expr, copy_columns, filter_match, tomb_match, trigger_ddl
from .tablemeta import TableMeta, qualified

CHUNK_ROWS = 100_000
_INTEGER_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint"})
_log = logs.get("materialize")


async def materialize(
    engine: BranchEngine, branch: BranchInfo, ts: TableState, *, lock_wait: int | None = None
) -> int:
    """Copy base minus tombstones into the overlay, forget tombstones and column map, and record the
    table as `materialized`, all in one transaction on the control connection: sessions reading
    the table meanwhile see it `cow` until the commit, and a failure leaves it exactly as it was.
    Returns the number of rows copied.

    `lock_wait`: seconds the copy may wait for a lock held by another session (an uncommitted
    branch write to this overlay) before failing; None keeps the connection's settings."""
    if ts.state != "cow":
        return 0
    base = await engine.meta(*ts.base_key)
    overlay = await engine.overlay_meta(ts)
    filt = engine.base_filter(branch, *ts.base_key)
    done = TableState(**{**vars(ts), "state": "materialized", "column_map": {}})
    started = time.monotonic()
    copied = 0
    # The engine's lock keeps its other control-connection work (catalog transactions, metadata)
    # from running inside this transaction.
    async with engine._lock:
        saved = await _session(engine, lock_wait)
        try:
            try:
                if base is not None:
                    await drop_triggers(engine.control, ts)
                copied = await _copy_and_record(engine, branch, ts, done, base, overlay, filt)
            except BaseException:
                await _rollback(engine.control)
                if base is not None and base.primary_key:
                    for sql in trigger_ddl(ts, base):  # DROP IF EXISTS + CREATE: idempotent
                        await engine.control.query(sql)
                raise
        finally:
            await _restore(engine, saved)
    ts.state, ts.column_map = "materialized", {}
    branch.tables[(ts.base_db, ts.table)] = ts
    branch.refresh_watch()
    await engine.note_catalog_change()
    logs.event(
        _log,
        logging.INFO,
        "materialized",
        table=f"{ts.base_db}.{ts.table}",
        rows=copied,
        secs=round(time.monotonic() - started, 3),
    )
    return copied


async def _copy_and_record(
    engine: BranchEngine,
    branch: BranchInfo,
    ts: TableState,
    done: TableState,
    base: TableMeta | None,
    overlay: TableMeta,
    filt: str | None,
) -> int:
    c = engine.control
    copied = 0
    async with fk_checks_off(c):
        await c.query("BEGIN")
        if base is not None:
            copied = await _copy(c, ts, base, overlay, filt)
            await c.query(f"DELETE FROM {qualified(ts.overlay_db, ts.tomb_table)}")
        await c.query(upsert_table_sql(branch.id, done))
        await c.query(
            f"UPDATE {quote_ident(CATALOG_DB)}.meta SET v = CAST(v AS UNSIGNED) + 1"
            " WHERE k = 'catalog_version'"
        )
        await c.query("COMMIT")
    return copied


async def _rollback(control: Executor) -> None:
    try:
        await control.query("ROLLBACK")
    except UpstreamError:
        pass  # the connection already lost the transaction


async def _session(engine: BranchEngine, lock_wait: int | None) -> tuple[str, str, str]:
    """READ COMMITTED (INSERT … SELECT then reads the base without locks) and the lock waits;
    returns the previous settings."""
    c = engine.control
    var = "tx_isolation" if engine.flavor == "mariadb" else "transaction_isolation"
    res = await c.query(
        f"SELECT @@SESSION.{var}, @@SESSION.innodb_lock_wait_timeout, @@SESSION.lock_wait_timeout"
    )
    iso, row_wait, mdl_wait = (text(v) or "" for v in res.rows[0])
    await c.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    if lock_wait is not None:
        await c.query(
            f"SET SESSION innodb_lock_wait_timeout = {int(lock_wait)},"
            f" SESSION lock_wait_timeout = {int(lock_wait)}"
        )
    return iso.replace("-", " ") or "REPEATABLE READ", row_wait or "50", mdl_wait or "10"


async def _restore(engine: BranchEngine, saved: tuple[str, str, str]) -> None:
    iso, row_wait, mdl_wait = saved
    await engine.control.query(f"SET SESSION TRANSACTION ISOLATION LEVEL {iso}")
    await engine.control.query(
        f"SET SESSION innodb_lock_wait_timeout = {int(row_wait)},"
        f" SESSION lock_wait_timeout = {int(mdl_wait)}"
    )


async def drop_triggers(control: Executor, ts: TableState) -> None:
    """The tombstone triggers: a materialized table has no base rows to hide, and the copy below
    reads the tombstone table (a trigger writing it would fail the statement, error 1442)."""
    for tag in ("i", "u"):
        name = qualified(ts.overlay_db, tomb_table(f"{tag}_{ts.table}"))
        await control.query(f"DROP TRIGGER IF EXISTS {name}")


async def _copy(
    c: Executor, ts: TableState, base: TableMeta, overlay: TableMeta, filt: str | None
) -> int:
    """INSERT … SELECT of the visible base rows through the column mapping; by primary-key
    chunks (with a progress line each) when the key is one integer column."""
    cols = copy_columns(ts, base, overlay)
    names = ", ".join(quote_ident(n) for n in cols)
    exprs = ", ".join(base_expr(ts, base, n, "_bdb_b") for n in cols)
    head = (
        f"INSERT INTO {qualified(ts.overlay_db, ts.overlay_table)} ({names})"
        f" SELECT {exprs} FROM {qualified(base.db, base.table)} AS `_bdb_b`"
        f" WHERE {tomb_match(ts, base, '_bdb_b', same_stmt_hides=True)}"
        f" AND {filter_match(base, '_bdb_b', filt)}"
    )
    key = base.column(base.primary_key[0]) if len(base.primary_key) == 1 else None
    if key is None or key.data_type not in _INTEGER_TYPES:
        return (await c.query(head)).affected_rows
    pk = f"`_bdb_b`.{quote_ident(key.name)}"
    copied = 0
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


def _lit(value: bytes | None) -> str:
    """An integer key value as read back in text form."""
    return "NULL" if value is None else str(int(value))
