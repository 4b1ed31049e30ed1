"""How many base rows a query block probes: picks the tombstone anti-join of each base half.

The measurements (shared/research/merged-reads-mariadb.md) found `LEFT JOIN tomb … IS NULL`
best when the base half reads few rows (about 1 µs per probe) and `NOT EXISTS` best for large
scans (MariaDB hashes the whole tombstone table once per execution, ≈0.2 µs per tombstone):
LEFT JOIN when the probed rows are fewer than about 5x the tombstones. Without the optimizer's
statistics this is a coarse guess from the WHERE conjuncts on indexed columns of the table, its
row count, and LIMIT; a wrong guess costs time, never correctness.
"""

from __future__ import annotations

from sqlglot import exp

from .readplan_model import LJ_FACTOR, DirtyTable


def conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    if isinstance(node, exp.Paren):
        return conjuncts(node.this)
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    return [node]


def _own_column(node: exp.Expression, visible: str, dt: DirtyTable, alone: bool) -> str | None:
    """The column name when `node` is a column of this table (qualified, or bare when alone)."""
    if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
        return None
    if node.table:
        return node.name if node.table.lower() == visible.lower() else None
    return node.name if alone and dt.has_column(node.name) else None


def _estimate(conj: exp.Expression, visible: str, dt: DirtyTable, alone: bool) -> int:
    rows = max(dt.base_rows, 1)
    per_value = max(rows // 100, 1)
    if isinstance(conj, exp.EQ):
        for a, b in ((conj.this, conj.expression), (conj.expression, conj.this)):
            col = _own_column(a, visible, dt, alone)
            if col is None or _own_column(b, visible, dt, alone) is not None:
                continue
            if dt.unique_column(col):
                return 1
            if col.lower() in dt.indexed:
                return per_value
    if isinstance(conj, exp.In) and not conj.args.get("query"):
        col = _own_column(conj.this, visible, dt, alone)
        n = len(conj.expressions)
        if col is not None and dt.unique_column(col):
            return n
        if col is not None and col.lower() in dt.indexed:
            return n * per_value
    if isinstance(conj, (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between)):
        col = _own_column(conj.this, visible, dt, alone)
        if col is not None and col.lower() in dt.indexed:
            return max(rows // 10, 1)
    return rows


def probed_rows(
    select: exp.Select, visible: str, dt: DirtyTable, *, alone: bool, limit_rows: int | None
) -> int:
    """A guess of the base rows the block reads from this table."""
    est = max(dt.base_rows, 1)
    for conj in conjuncts(select.args.get("where") and select.args["where"].this):
        est = min(est, _estimate(conj, visible, dt, alone))
    for join in select.args.get("joins") or []:
        for conj in conjuncts(join.args.get("on")):
            est = min(est, _estimate(conj, visible, dt, alone=False))
    if limit_rows is not None and alone:
        order = select.args.get("order")
        keys = order.expressions if order is not None else []
        first = _own_column(keys[0].this, visible, dt, alone) if keys else None
        if not keys or (first is not None and first.lower() in dt.indexed):
            est = min(est, limit_rows + dt.tomb_rows)
    return est


def prefer_left_join(probed: int, dt: DirtyTable) -> bool:
    return probed < LJ_FACTOR * max(dt.tomb_rows, 1)
