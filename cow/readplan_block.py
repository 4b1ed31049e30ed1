"""The FROM clause of one query block as the read planner sees it: which of its tables are
changed tables it can split (kept rows: not the NULL side of an outer join), and whether the
block aggregates (its rows are then not the union of per-half rows)."""

from __future__ import annotations

from sqlglot import exp

from branchdb.sqlrewrite.refs import TableRef

from .readplan_model import DirtyTable, Target

#: Beyond this many changed tables in one FROM, 2^n branches cost more than the naive form.
MAX_DISTRIBUTED = 3

AGG_NAMES = frozenset(
    {
        "BIT_AND",
        "BIT_OR",
        "BIT_XOR",
        "STD",
        "STDDEV",
        "STDDEV_POP",
        "STDDEV_SAMP",
        "VARIANCE",
        "VAR_POP",
        "VAR_SAMP",
        "JSON_ARRAYAGG",
        "JSON_OBJECTAGG",
        "GROUP_CONCAT",
        "COUNT",
        "SUM",
        "AVG",
        "MIN",
        "MAX",
    }
)


def visible(factor: exp.Expression) -> str | None:
    if isinstance(factor, exp.Table):
        return factor.alias or factor.name
    if isinstance(factor, exp.Subquery) and factor.alias:
        return factor.alias
    return None


def alias_end(factor: exp.Expression) -> int:
    alias = factor.args.get("alias")
    ident = alias.this if isinstance(alias, exp.TableAlias) else None
    if isinstance(ident, exp.Identifier) and "end" in ident.meta:
        return int(ident.meta["end"]) + 1
    return 0


def preserved(i: int, joins: list[exp.Join]) -> bool:
    """Whether FROM item `i` keeps all its rows (not the NULL side of an outer join)."""
    if i > 0 and joins[i - 1].side in ("LEFT", "FULL"):
        return False
    return not any(j.side in ("RIGHT", "FULL") for j in joins[i:])


def walk_block(node: exp.Expression) -> list[exp.Expression]:
    """Nodes of one query block, not entering subqueries."""
    out = [node]
    for child in node.iter_expressions():
        if isinstance(child, (exp.Subquery, exp.Select, exp.Union)):
            continue
        out.extend(walk_block(child))
    return out


def aggregates(select: exp.Select) -> bool:
    """Whether the block aggregates or windows (its rows are not a union of per-half rows)."""
    if select.args.get("group") is not None or select.args.get("having") is not None:
        return True
    roots: list[exp.Expression] = list(select.expressions)
    if select.args.get("order") is not None:
        roots.append(select.args["order"])
    for root in roots:
        for node in walk_block(root):
            if isinstance(node, (exp.AggFunc, exp.Window)):
                return True
            if isinstance(node, exp.Anonymous) and str(node.this).upper() in AGG_NAMES:
                return True
    return False


def factors(select: exp.Select) -> list[exp.Expression]:
    frm = select.args.get("from_")
    if frm is None:
        return []
    return [frm.this] + [j.this for j in select.args.get("joins") or []]


def block_targets(
    sql: str,
    select: exp.Select,
    replacements: list[tuple[TableRef, str]],
    dirty: dict[int, DirtyTable],
) -> list[Target] | None:
    """The block's changed tables to split (1 to MAX_DISTRIBUTED), or None."""
    items = factors(select)
    joins = select.args.get("joins") or []
    by_node = {id(r.node): r for r, _ in replacements}
    names = [visible(f) for f in items]
    if not items or None in names or len({v.lower() for v in names if v}) != len(names):
        return None
    targets = []
    for i, factor in enumerate(items):
        ref = by_node.get(id(factor))
        if ref is None or ref.start not in dirty or not preserved(i, joins):
            continue
        dt = dirty[ref.start]
        if not dt.pk or not all(dt.has_column(c) for c in dt.pk):
            continue
        span_end = max([ref.end, *(e for _, e in ref.hint_spans), alias_end(factor)])
        hints = " ".join(sql[s:e] for s, e in ref.hint_spans)
        targets.append(Target(ref, dt, ref.alias or ref.name, (ref.start, span_end), hints))
    if not targets or len(targets) > MAX_DISTRIBUTED:
        return None
    return targets
