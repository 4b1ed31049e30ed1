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
from .tablemeta import ColumnMeta, TableMeta, qualified

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


def copy_columns(ts: TableState, base: TableMeta, overlay: TableMeta) -> list[str]:
    """Overlay columns written on copy-up: every stored one a base row has a value for (a base
    column it reads, or the value a column the branch added shows on base rows)."""
    return [
        c.name
        for c in overlay.stored_columns
        if source_column(ts, base, c.name) is not None or c.name in ts.column_map
    ]


def copy_select_list(
    ts: TableState, base: TableMeta, overlay: TableMeta, alias: str, *, mapped: bool = False
) -> str:
    """What a copy-up SELECT reads from a base row under `alias`, one value per `copy_columns`
    entry, through the column mapping (a renamed column's values go up under its new name).
    `mapped`: `alias` stands for `mapped_base` (the branch's columns already), not the base."""
    out = []
    for name in copy_columns(ts, base, overlay):
        src = source_column(ts, base, name)
        col = overlay.column(name)
        assert col is not None
        if mapped:
            out.append(copy_expr(col, alias))
        elif src is not None:
            out.append(copy_expr(src, alias))
        else:
            out.append(_copy_value(ts.column_map[name], col))
    return ", ".join(out)


def mapped_base(ts: TableState, base: TableMeta, overlay: TableMeta) -> str | None:
    """A derived table of the base rows under the branch's column names (through `base_expr`),
    to stand for the base table where a statement's own conditions name branch columns. None
    when the branch reads the base table as it is (same name, no column mapping)."""
    if not ts.column_map and (base.db, base.table) == (ts.base_db, ts.table):
        return None
    cols = ", ".join(
        f"{base_expr(ts, base, c.name, '_bdb_m')} AS {quote_ident(c.name)}" for c in overlay.columns
    )
    return f"(SELECT {cols} FROM {qualified(base.db, base.table)} AS `_bdb_m`)"


def _copy_value(sql: str, col: ColumnMeta) -> str:
    """`copy_expr` for a value that is an expression, not a base column: read in the form
    `literal_from_copy` writes back for the overlay column `col`."""
    if col.kind == "string" and col.charset:
        return f"HEX(CONVERT({sql} USING {col.charset}))"
    if col.kind in ("string", "binary", "bit", "json"):
        return f"HEX({sql})"
    if col.data_type == "float":
        return f"CAST({sql} AS DOUBLE)"
    return sql


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
    cols = copy_columns(ts, base, overlay)
    metas = [m for m in (overlay.column(c) for c in cols) if m is not None]
    target = qualified(ts.overlay_db, ts.overlay_table)
    names = ", ".join(quote_ident(c) for c in cols)
    for i in range(0, len(rows), _BATCH):
        chunk = rows[i : i + _BATCH]
        values = ", ".join(
            "(" + ", ".join(literal_from_copy(m, v) for m, v in zip(metas, r, strict=True)) + ")"
            for r in chunk
        )
        await executor.query(f"INSERT INTO {target} ({names}) VALUES {values}")


#: `column_map` value prefix meaning "reads this base column" (a rename on the branch).
BASE_COLUMN = "base:"


def base_column_ref(name: str) -> str:
    """The `column_map` value of a branch column that shows base column `name`."""
    return BASE_COLUMN + name


def source_column(ts: TableState, base: TableMeta, column: str) -> ColumnMeta | None:
    """The base column whose values a branch column shows on base rows, or None when it shows
    a fixed value (a column the branch added) or nothing (not a column of the base)."""
    mapped = ts.column_map.get(column)
    if mapped is not None:
        if mapped.startswith(BASE_COLUMN):
            return base.column(mapped[len(BASE_COLUMN) :])
        return None
    return base.column(column)


def base_expr(ts: TableState, base: TableMeta, column: str, alias: str) -> str:
    """The SQL value a base row (under `alias`) shows in the branch table's column `column`.

    The one place that knows how a branch's schema changes map onto base rows (DESIGN §4).
    `ts.column_map` holds only the columns that do not read the base column of their own name:
    `"base:<name>"` — reads base column `<name>` (RENAME COLUMN / CHANGE with the same type);
    any other text — an SQL expression every base row shows (ADD COLUMN: its default as the
    server filled it in). A column absent from the map reads the base column of the same name;
    a base column the branch dropped is simply never asked for. Every read of base rows on a
    branch (merged views, the read planner, copy-up) goes through it.
    """
    mapped = ts.column_map.get(column)
    if mapped is not None and not mapped.startswith(BASE_COLUMN):
        return mapped
    src = source_column(ts, base, column)
    if src is not None:
        return f"{quote_ident(alias)}.{quote_ident(src.name)}"
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
