"""Overlay storage of one branch table: its DDL (control connection) and copy-up (client).

An overlay table is created LIKE the base (no foreign keys, no base triggers). Its tombstone table
holds primary keys of base rows the branch hides; two triggers of ours keep the invariant "every
overlay row's key is in the tombstone table" inside the very statement that writes the overlay,
so it holds under the client's COMMIT/ROLLBACK/savepoints. A tombstone row records the `@_bdb_gen`
of the statement that created it: the unique-key check after a write treats tombstones created by
that same statement as not hiding anything (see engine).
"""

from __future__ import annotations

from collections.abc import Sequence

from .catalog import TableState
from .executor import Executor, quote_ident
from .literals import copy_expr, literal_from_copy
from .naming import tomb_table
from .tablemeta import TableMeta, qualified

GEN_VAR = "@_bdb_gen"
_BATCH = 200


def tomb_ddl(ts: TableState, meta: TableMeta) -> str:
    if not meta.primary_key:
        # Without a key to tombstone by, one marker row hides every base row: the table is
        # copied whole, in the client's transaction, together with the marker.
        return (
            f"CREATE TABLE IF NOT EXISTS {qualified(ts.overlay_db, ts.tomb_table)}"
            " (`m` TINYINT NOT NULL PRIMARY KEY) ENGINE=InnoDB"
        )
    defs = []
    for name in meta.primary_key:
        col = meta.column(name)
        assert col is not None
        cs = f" CHARACTER SET {col.charset} COLLATE {col.collation}" if col.charset else ""
        defs.append(f"{quote_ident(col.name)} {col.column_type}{cs} NOT NULL")
    pk = ", ".join(quote_ident(c) for c in meta.primary_key)
    return (
        f"CREATE TABLE IF NOT EXISTS {qualified(ts.overlay_db, ts.tomb_table)} ("
        f"{', '.join(defs)}, `_bdb_gen` BIGINT NULL, PRIMARY KEY ({pk})) ENGINE=InnoDB"
    )


def trigger_ddl(ts: TableState, meta: TableMeta) -> list[str]:
    tomb = qualified(ts.overlay_db, ts.tomb_table)
    cols = ", ".join(quote_ident(c) for c in meta.primary_key)
    new = ", ".join(f"NEW.{quote_ident(c)}" for c in meta.primary_key)
    body = (
        f"INSERT INTO {tomb} ({cols}, `_bdb_gen`) VALUES ({new}, {GEN_VAR})"
        " ON DUPLICATE KEY UPDATE `_bdb_gen` = `_bdb_gen`"
    )
    out = []
    for event, tag in (("INSERT", "i"), ("UPDATE", "u")):
        name = qualified(ts.overlay_db, tomb_table(f"{tag}_{ts.table}"))
        out.append(f"DROP TRIGGER IF EXISTS {name}")
        out.append(
            f"CREATE TRIGGER {name} AFTER {event} ON "
            f"{qualified(ts.overlay_db, ts.overlay_table)} FOR EACH ROW {body}"
        )
    return out


def tomb_match(ts: TableState, meta: TableMeta, alias: str, *, same_stmt_hides: bool) -> str:
    """`NOT EXISTS (…)` true when the base row under `alias` is not tombstoned."""
    if not meta.primary_key:
        return f"NOT EXISTS (SELECT 1 FROM {qualified(ts.overlay_db, ts.tomb_table)})"
    cond = " AND ".join(
        f"`_bdb_x`.{quote_ident(c)} = {quote_ident(alias)}.{quote_ident(c)}"
        for c in meta.primary_key
    )
    if not same_stmt_hides:
        cond += f" AND NOT (`_bdb_x`.`_bdb_gen` <=> {GEN_VAR})"
    return (
        f"NOT EXISTS (SELECT 1 FROM {qualified(ts.overlay_db, ts.tomb_table)} AS `_bdb_x`"
        f" WHERE {cond})"
    )


def filter_match(meta: TableMeta, alias: str, filt: str | None) -> str:
    """A condition that keeps only base rows the branch's filter shows (TRUE without one)."""
    if filt is None:
        return "1"
    if filt.strip() in ("0", "FALSE"):
        return "0"
    if not meta.primary_key:
        return f"({filt})"  # only used with the base table alone in its FROM
    cond = " AND ".join(
        f"`_bdb_f`.{quote_ident(c)} = {quote_ident(alias)}.{quote_ident(c)}"
        for c in meta.primary_key
    )
    return (
        f"EXISTS (SELECT 1 FROM {qualified(meta.db, meta.table)} AS `_bdb_f`"
        f" WHERE {cond} AND ({filt}))"
    )


def copy_columns(base: TableMeta, overlay: TableMeta) -> list[str]:
    """Base columns written on copy-up: stored ones the overlay still has."""
    return [c.name for c in base.stored_columns if overlay.column(c.name) is not None]


def copy_select_list(base: TableMeta, overlay: TableMeta, alias: str) -> str:
    cols = copy_columns(base, overlay)
    return ", ".join(copy_expr(base.column(c), alias) for c in cols)  # type: ignore[arg-type]


async def insert_copied(
    executor: Executor,
    ts: TableState,
    base: TableMeta,
    overlay: TableMeta,
    rows: Sequence[tuple[bytes | None, ...]],
) -> None:
    """Write rows read with `copy_select_list` into the overlay, as literals."""
    if not rows:
        return
    cols = copy_columns(base, overlay)
    metas = [m for m in (base.column(c) for c in cols) if m is not None]
    target = qualified(ts.overlay_db, ts.overlay_table)
    names = ", ".join(quote_ident(c) for c in cols)
    for i in range(0, len(rows), _BATCH):
        chunk = rows[i : i + _BATCH]
        values = ", ".join(
            "(" + ", ".join(literal_from_copy(m, v) for m, v in zip(metas, r, strict=True)) + ")"
            for r in chunk
        )
        await executor.query(f"INSERT INTO {target} ({names}) VALUES {values}")


async def insert_literal_rows(
    executor: Executor,
    target: str,
    meta: TableMeta,
    cols: list[str],
    rows: Sequence[tuple[bytes | None, ...]],
) -> None:
    """Write rows read with `copy_expr` of `meta`'s columns `cols` into `target`."""
    metas = [m for m in (meta.column(c) for c in cols) if m is not None]
    names = ", ".join(quote_ident(c) for c in cols)
    for i in range(0, len(rows), _BATCH):
        values = ", ".join(
            "(" + ", ".join(literal_from_copy(m, v) for m, v in zip(metas, r, strict=True)) + ")"
            for r in rows[i : i + _BATCH]
        )
        await executor.query(f"INSERT INTO {target} ({names}) VALUES {values}")


def base_expr(ts: TableState, base: TableMeta, column: str, alias: str) -> str:
    """The SQL value a base row (under `alias`) shows in the branch table's column `column`.

    The one place that knows how a branch's schema changes map onto base rows (DESIGN §4): a
    column the branch added shows its default, a kept column reads the base column. Every read
    of base rows on a branch (merged views, the read planner, copy-up) goes through it.
    """
    mapped = ts.column_map.get(column)
    if mapped is not None:
        return mapped
    if base.column(column) is not None:
        return f"{quote_ident(alias)}.{quote_ident(column)}"
    return "NULL"


def merged_view(
    ts: TableState, base: TableMeta | None, overlay: TableMeta, filt: str | None
) -> str:
    """The text that stands for the branch's version of a table in a FROM clause."""
    ov = qualified(ts.overlay_db, ts.overlay_table)
    if ts.state in ("materialized", "created") or base is None:
        return ov
    parts = [
        f"{base_expr(ts, base, col.name, '_bdb_b')} AS {quote_ident(col.name)}"
        for col in overlay.columns
    ]
    names = ", ".join(quote_ident(c.name) for c in overlay.columns)
    where = tomb_match(ts, base, "_bdb_b", same_stmt_hides=True)
    if filt is not None:
        where = f"({filt}) AND {where}"
    return (
        f"(SELECT {names} FROM {ov} UNION ALL SELECT {', '.join(parts)}"
        f" FROM {qualified(base.db, base.table)} AS `_bdb_b` WHERE {where})"
    )


def filtered_view(base: TableMeta, filt: str) -> str:
    return f"(SELECT * FROM {qualified(base.db, base.table)} WHERE {filt})"
