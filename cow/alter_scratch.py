"""The empty scratch copy an ALTER on a `cow` table is tried on first, kept between ALTERs.

The trial gives the server's own errors (1054, 1060, 1091, …) before anything changes and the
column types the ALTER produces. Creating and dropping an InnoDB table for it costs two file
operations (measured ~4-8 ms together on MariaDB 10.11, more than the ALTER itself), so on MariaDB
each engine keeps one empty copy per overlay table; after a successful trial it already has the
shape the overlay is about to get. Before each reuse the copy's SHOW CREATE TABLE is compared with
the overlay's (foreign keys and the AUTO_INCREMENT counter aside: CREATE TABLE … LIKE copies
neither); any difference (the overlay's ALTER failed, CREATE INDEX, materialization, the table
dropped and created again) makes a fresh copy, as every trial did before.

Copies live in one scratch schema per branch, named as the overlay schema of a database named
`_bdb_alter` (no base database can have that name: `_bdb_` schemas are internal), so deleting or
resetting the branch drops them with its overlay schemas. On MySQL 8 CHECK constraint names are
unique per schema, so kept copies could collide there: each copy is dropped after its trial.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import weakref
from dataclasses import dataclass, field

from .catalog import TableState
from .engine import BranchEngine
from .executor import Executor, UpstreamError, quote_ident, quote_str, text
from .naming import branch_of_overlay, overlay_db
from .outcome import EngineError
from .tablemeta import TableMeta, load_table_meta, qualified

SCRATCH_TABLE_PREFIX = "_bdba_"
_SCRATCH_DB_OF = "_bdb_alter"
_FK_LINE = re.compile(r'^\s*CONSTRAINT ([`"])((?:(?!\1).|\1\1)+)\1 FOREIGN KEY \(')
_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")
_SET_MODE = (
    "SET @_bdb_alter_mode = @@SESSION.sql_mode, SESSION sql_mode = {mode},"
    " @_bdb_alter_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0"
)
_RESTORE_MODE = (
    "SET SESSION sql_mode = @_bdb_alter_mode, SESSION foreign_key_checks = @_bdb_alter_fkc"
)


@dataclass(frozen=True)
class OverlayShape:
    """An overlay table's SHOW CREATE TABLE as a kept copy must match it, and its foreign keys."""

    ddl: str
    foreign_keys: frozenset[str]  # lower-case constraint names


@dataclass
class _Kept:
    """What one engine knows of its kept copies."""

    token: str = field(default_factory=lambda: secrets.token_hex(4))
    tables: set[tuple[str, str]] = field(default_factory=set)


_KEPT: weakref.WeakKeyDictionary[BranchEngine, _Kept] = weakref.WeakKeyDictionary()


def scratch_schema(overlay_schema: str) -> str:
    return overlay_db(branch_of_overlay(overlay_schema), _SCRATCH_DB_OF)


def _scratch_name(token: str, ts: TableState) -> str:
    digest = hashlib.sha1(f"{ts.overlay_db}.{ts.overlay_table}".encode()).hexdigest()[:16]
    return f"{SCRATCH_TABLE_PREFIX}{token}_{digest}"


def _normalised(ddl: str) -> tuple[str, frozenset[str]]:
    """SHOW CREATE TABLE without its name line, foreign keys and AUTO_INCREMENT counter; and the
    foreign keys' lower-case names."""
    lines = ddl.splitlines()[1:]
    kept: list[str] = []
    fks: set[str] = set()
    for line in lines:
        m = _FK_LINE.match(line)
        if m is not None:
            q = m.group(1)
            fks.add(m.group(2).replace(q + q, q).lower())
            continue
        if line.startswith(")"):
            line = _AUTO_INCREMENT.sub("", line)
        kept.append(line.rstrip(","))
    return "\n".join(kept), frozenset(fks)


async def _show_create(control: Executor, db: str, table: str) -> str:
    res = await control.query(f"SHOW CREATE TABLE {qualified(db, table)}")
    return text(res.rows[0][1]) or ""


async def overlay_shape(control: Executor, ts: TableState) -> OverlayShape:
    """One SHOW CREATE TABLE of the overlay: what a kept copy must match, and its foreign keys
    (a trial leaves foreign-key actions out: the copy has none)."""
    raw = await _show_create(control, ts.overlay_db, ts.overlay_table)
    ddl, fks = _normalised(raw)
    if not fks and "FOREIGN KEY" in raw.upper():  # quoted unlike the server's default: ask
        fks = await _fk_names(control, ts)
    return OverlayShape(ddl, fks)


async def try_alter(
    engine: BranchEngine, client: Executor, ts: TableState, shape: OverlayShape, rest: str
) -> tuple[TableMeta, frozenset[tuple[str, ...]]]:
    """The overlay's metadata as the ALTER (text `rest` after the table name) leaves it, tried
    on an empty copy (no foreign keys, no triggers) with the client's sql_mode; and its unique
    keys over column prefixes that the overlay does not have yet. A failing ALTER raises the
    server's error, naming the user's table."""
    c = engine.control
    kept = _KEPT.setdefault(engine, _Kept())
    keep = engine.flavor == "mariadb"
    schema = scratch_schema(ts.overlay_db)
    name = _scratch_name(kept.token, ts)
    target = qualified(schema, name)
    mode = text((await client.query("SELECT @@SESSION.sql_mode")).rows[0][0]) or ""
    # The engine's lock: no other control-connection work runs under the client's sql_mode,
    # and no other ALTER of this engine uses the copy meanwhile.
    async with engine._lock:
        await _ready(c, kept, schema, name, ts, shape, replace=keep)
        try:
            await c.query(_SET_MODE.format(mode=quote_str(mode)))
            try:
                await c.query(f"ALTER TABLE {target}{rest}")
            except UpstreamError as e:
                msg = e.message.replace(name, ts.table).replace(schema, ts.base_db)
                raise EngineError(e.errno, e.sqlstate, msg) from None
            finally:
                await c.query(_RESTORE_MODE)
            after = await load_table_meta(c, schema, name)
            prefixed, before = await _prefix_unique_keys(
                c, (schema, name), (ts.overlay_db, ts.overlay_table)
            )
        finally:
            if not keep:
                kept.tables.discard((schema, name))
                await c.query(f"DROP TABLE IF EXISTS {target}")
    assert after is not None
    return after, prefixed - before


async def _ready(
    c: Executor,
    kept: _Kept,
    schema: str,
    name: str,
    ts: TableState,
    shape: OverlayShape,
    *,
    replace: bool,
) -> None:
    """Make the copy an empty table shaped as the overlay: the kept one when it still is."""
    known = (schema, name) in kept.tables
    missing = not known
    if known:
        try:
            if _normalised(await _show_create(c, schema, name))[0] == shape.ddl:
                return
        except UpstreamError:  # the branch was reset: its scratch schema is gone
            missing = True
    kept.tables.discard((schema, name))
    target, source = qualified(schema, name), qualified(ts.overlay_db, ts.overlay_table)
    if missing:
        await c.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(schema)}")
    if replace:
        await c.query(f"CREATE OR REPLACE TABLE {target} LIKE {source}")
    else:
        if known:
            await c.query(f"DROP TABLE IF EXISTS {target}")
        await c.query(f"CREATE TABLE {target} LIKE {source}")
    kept.tables.add((schema, name))


async def _prefix_unique_keys(
    control: Executor, *tables: tuple[str, str]
) -> tuple[frozenset[tuple[str, ...]], ...]:
    """For each table, its unique keys (lower-case column names) that index column prefixes;
    one round trip (each half of the UNION is an equality lookup information_schema serves
    without scanning other schemas)."""
    selects = [
        f"SELECT {i} AS t, INDEX_NAME, LOWER(COLUMN_NAME), SUB_PART, SEQ_IN_INDEX"
        " FROM information_schema.STATISTICS"
        f" WHERE TABLE_SCHEMA = {quote_str(db)} AND TABLE_NAME = {quote_str(table)}"
        " AND NON_UNIQUE = 0"
        for i, (db, table) in enumerate(tables)
    ]
    res = await control.query(" UNION ALL ".join(selects) + " ORDER BY 1, 2, 5")
    keys: list[dict[str, list[str]]] = [{} for _ in tables]
    prefixed: list[set[str]] = [set() for _ in tables]
    for row in res.rows:
        i = int(text(row[0]) or "0")
        index, column, sub_part = (text(v) for v in row[1:4])
        keys[i].setdefault(index or "", []).append(column or "")
        if sub_part is not None:
            prefixed[i].add(index or "")
    return tuple(
        frozenset(tuple(keys[i][name]) for name in prefixed[i]) for i in range(len(tables))
    )


async def _fk_names(control: Executor, ts: TableState) -> frozenset[str]:
    res = await control.query(
        "SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS"
        f" WHERE TABLE_SCHEMA = {quote_str(ts.overlay_db)}"
        f" AND TABLE_NAME = {quote_str(ts.overlay_table)} AND CONSTRAINT_TYPE = 'FOREIGN KEY'"
    )
    return frozenset((text(r[0]) or "").lower() for r in res.rows)
