"""Decide how an ALTER TABLE on a `cow` table reaches base rows: a new column map (no copy), or
materialization (the server converts every value itself). Pure: metadata in, decision out.

Inputs are the overlay before the ALTER, the base, and the same ALTER's result on an empty
scratch copy of the overlay (so the server itself says what each column became). A change maps
when every column after the ALTER either reads one base column of the very same type (or a
strictly wider integer / VARCHAR of the same character set), or shows a constant (a column the
branch added). Anything else — a type change, a primary-key change, an AUTO_INCREMENT or
generated column added, a non-constant default, a change not understood — materializes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .alter_actions import Action
from .storage import BASE_COLUMN, base_column_ref
from .tablemeta import ColumnMeta, TableMeta

_INT_RANK = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "integer": 4, "bigint": 5}
_TEXTUAL = ("char", "varchar", "text", "tinytext", "mediumtext", "longtext", "set")
_BINARY = ("binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob")


@dataclass
class AlterPlan:
    materialize: str | None = None  # why the table must be materialized (None: it maps)
    column_map: dict[str, str] = field(default_factory=dict)
    #: Columns (pre-ALTER names) that become NOT NULL: the merged view must hold no NULL there.
    not_null: list[str] = field(default_factory=list)
    #: New unique keys (pre-ALTER names): the merged view must hold no duplicate there.
    unique: list[tuple[str, ...]] = field(default_factory=list)


def origins(pre: TableMeta, actions: list[Action]) -> dict[str, str | None]:
    """Each column after the ALTER (lower-case name) -> its column before (None: added).

    Every action names columns as they were before the statement (MySQL resolves them against
    the original table), so a swap by two renames comes out right.
    """
    kept = {c.name.lower(): c.name for c in pre.columns}
    added: dict[str, str | None] = {}
    for a in actions:
        if a.kind == "add_column" and a.new_name is not None:
            if a.if_exists and (a.new_name.lower() in kept or a.new_name.lower() in added):
                continue
            added[a.new_name.lower()] = None
        elif a.kind == "drop_column" and a.column is not None:
            low = a.column.lower()
            if low in added:
                del added[low]
            else:
                kept.pop(low, None)
        elif a.kind in ("change_column", "rename_column") and a.column and a.new_name:
            low = a.column.lower()
            if a.if_exists and low not in kept and low not in added:
                continue
            source = added.pop(low) if low in added else kept.pop(low, None)
            added[a.new_name.lower()] = source
    out: dict[str, str | None] = dict(kept)
    out.update(added)
    return out


def plan(
    column_map: dict[str, str],
    base: TableMeta,
    pre: TableMeta,
    after: TableMeta,
    actions: list[Action],
    default_sql: dict[str, str | None],
    prefix_keys: frozenset[tuple[str, ...]] = frozenset(),
) -> AlterPlan:
    """`default_sql`: for each column the ALTER adds (lower-case), the constant every existing
    row gets, or None when it is not a constant. `prefix_keys`: unique keys the ALTER adds (lower-
    case names) over column prefixes, which a duplicate check on whole values would miss."""
    out = AlterPlan()
    if any(a.kind in ("other", "primary_key") for a in actions):
        out.materialize = "a change no column mapping expresses"
        return out
    origin = origins(pre, actions)
    if set(origin) != {c.name.lower() for c in after.columns}:
        out.materialize = "column changes branchdb could not follow"
        return out
    for col in after.columns:
        old = origin[col.name.lower()]
        why = _map_column(column_map, base, pre, col, old, default_sql, out)
        if why is not None:
            out.materialize = why
            return out
    pre_pk = tuple(c.lower() for c in pre.primary_key)
    new_pk = tuple((origin[c.lower()] or "").lower() for c in after.primary_key)
    renamed = any((origin[c.lower()] or "").lower() != c.lower() for c in after.primary_key)
    retyped = any(
        not _same_type(col, pre.column(origin[col.name.lower()] or "") or col)
        for col in after.columns
        if col.name.lower() in {c.lower() for c in after.primary_key}
    )
    if pre_pk != new_pk or renamed or retyped:
        out.materialize = "a primary key change"
        return out
    pre_keys = {tuple(c.lower() for c in k) for k in pre.unique_keys}
    for key in after.unique_keys:
        olds = [origin[c.lower()] for c in key]
        if any(o is None for o in olds):
            out.materialize = "a unique key over a new column"
            return out
        named = tuple(o for o in olds if o is not None)
        if tuple(c.lower() for c in key) in prefix_keys:
            out.materialize = "a new unique key over column prefixes"
            return out
        if tuple(o.lower() for o in named) not in pre_keys:
            out.unique.append(named)
    return out


def _map_column(
    column_map: dict[str, str],
    base: TableMeta,
    pre: TableMeta,
    col: ColumnMeta,
    old: str | None,
    default_sql: dict[str, str | None],
    out: AlterPlan,
) -> str | None:
    """Record how base rows show `col` in `out.column_map`; or say why that is impossible."""
    if old is None:
        if col.auto_increment or col.generated:
            return "an AUTO_INCREMENT or generated column added"
        value = default_sql.get(col.name.lower())
        if value is None:
            return "a column added with a default that is not a constant"
        out.column_map[col.name] = value
        return None
    prev = pre.column(old)
    assert prev is not None
    if col.auto_increment != prev.auto_increment or col.generated != prev.generated:
        return "an AUTO_INCREMENT or generated attribute change"
    if col.generated and col.generation != prev.generation:
        return "a generated column's expression change"
    mapped = column_map.get(prev.name)
    if mapped is not None and not mapped.startswith(BASE_COLUMN):
        if not (_same_type(prev, col) or _wider(prev, col)):
            return f"a type change of column {col.name}"
        out.column_map[col.name] = mapped
    else:
        source = base.column(mapped[len(BASE_COLUMN) :] if mapped else prev.name)
        if source is None:
            return f"column {col.name} has no base column"
        if not (_same_type(source, col) or _wider(source, col)):
            return f"a type change of column {col.name}"
        if source.name.lower() != col.name.lower():
            out.column_map[col.name] = base_column_ref(source.name)
    if prev.nullable and not col.nullable:
        out.not_null.append(prev.name)
    return None


def _same_type(a: ColumnMeta, b: ColumnMeta) -> bool:
    return (
        a.column_type.lower() == b.column_type.lower()
        and a.charset == b.charset
        and a.collation == b.collation
    )


def _wider(a: ColumnMeta, b: ColumnMeta) -> bool:
    """True when every value of column type `a` is the same value in column type `b`."""
    ta, tb = a.column_type.lower(), b.column_type.lower()
    if a.data_type in _INT_RANK and b.data_type in _INT_RANK:
        flags_a = ("unsigned" in ta, "zerofill" in ta)
        flags_b = ("unsigned" in tb, "zerofill" in tb)
        return (
            flags_a == flags_b
            and not flags_a[1]
            and _INT_RANK[a.data_type] <= _INT_RANK[b.data_type]
        )
    if a.data_type == b.data_type == "varchar":
        return a.charset == b.charset and a.collation == b.collation and _length(ta) <= _length(tb)
    return False


def _length(column_type: str) -> int:
    inside = column_type.partition("(")[2].partition(")")[0]
    return int(inside) if inside.isdigit() else 0


def implicit_default(col: ColumnMeta) -> str | None:
    """The value existing rows get in a column added without a default (None: not a constant
    branchdb knows — ENUM's first member, a timestamp's current time, …)."""
    if col.nullable:
        return "NULL"
    dtype = col.data_type
    if dtype in ("date", "datetime", "timestamp"):
        return None  # the zero date: no typed literal of it survives every sql_mode
    if dtype == "time":
        return "'00:00:00'"
    if dtype in _TEXTUAL or dtype in _BINARY:
        return "''"
    if dtype in _INT_RANK or dtype in ("decimal", "float", "double", "year", "bit"):
        return "0"
    return None
