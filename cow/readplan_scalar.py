"""Scalar subqueries over a changed table: `(SELECT COUNT(*) FROM orders o WHERE o.user_id =
u.id)` in a select list or a comparison.

Left naive, a correlated scalar subquery re-materializes the changed table's UNION view for
every outer row (measured: 240 ms against 0.4 ms for 30 rows over 200k orders). MariaDB does not
let a derived table see the outer row, so the halves are combined with scalar arithmetic, each
half a plain correlated subquery on indexes:

- COUNT: base - (base rows under tombstones) + overlay (template T4, three subqueries);
- MIN/MAX: LEAST/GREATEST of the overlay half and the anti-joined base half, NULLs skipped;
- a lookup by a unique key (at most one row on the branch): the overlay half's value if it has
  the row, else the base half's (COALESCE over the row's presence, not its value: see below).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokenizer_core import Token

from branchdb.sqlrewrite.refs import TableRef

from .readplan_block import aggregates, block_targets, factors
from .readplan_estimate import conjuncts
from .readplan_model import (
    DirtyTable,
    Edit,
    Half,
    Target,
    base_half,
    base_source,
    overlay_half,
    text_with,
    tomb_half,
)
from .readplan_sub import enclosing_select, matching_parens
from .readplan_text import Layout, add_condition, layout


@dataclass(frozen=True)
class ScalarPlan:
    span: tuple[int, int]  # `( SELECT … )`
    body: tuple[int, int]  # `SELECT …`
    lay: Layout
    kind: str  # COUNT, MIN, MAX or ROW
    target: Target


def _subqueries(node: exp.Expression) -> list[exp.Subquery]:
    """Scalar subqueries of one block (derived tables and IN lists excluded)."""
    out = []
    for child in node.iter_expressions():
        if isinstance(child, exp.Subquery):
            if not isinstance(child.parent, (exp.In, exp.From, exp.Join)) and not child.alias:
                out.append(child)
        elif not isinstance(child, (exp.Select, exp.Union)):
            out.extend(_subqueries(child))
    return out


def _kind(inner: exp.Select, t: Target) -> str | None:
    if len(inner.expressions) != 1 or inner.args.get("distinct") is not None:
        return None
    item = inner.expressions[0]
    call = item.this if isinstance(item, exp.Alias) else item
    if aggregates(inner):
        if inner.args.get("group") is not None or inner.args.get("having") is not None:
            return None
        if isinstance(call, exp.Count) and not isinstance(call.this, exp.Distinct):
            return "COUNT"
        if isinstance(call, (exp.Min, exp.Max)):
            return "MIN" if isinstance(call, exp.Min) else "MAX"
        return None
    where = inner.args.get("where")
    for conj in conjuncts(where.this if where is not None else None):
        if not isinstance(conj, exp.EQ):
            continue
        for a, b in ((conj.this, conj.expression), (conj.expression, conj.this)):
            own = isinstance(a, exp.Column) and (a.table or t.alias).lower() == t.alias.lower()
            other = not any(
                (c.table or t.alias).lower() == t.alias.lower() for c in b.find_all(exp.Column)
            )
            if own and other and t.dt.unique_column(a.name):
                return "ROW"
    return None


def find_scalars(
    sql: str,
    tokens: list[Token],
    select: exp.Select,
    replacements: list[tuple[TableRef, str]],
    dirty: dict[int, DirtyTable],
) -> list[ScalarPlan]:
    parens = matching_parens(tokens)
    out = []
    for sub in _subqueries(select):
        inner = sub.this
        if not isinstance(inner, exp.Select) or inner.args.get("with") is not None:
            continue
        if len(factors(inner)) != 1:
            continue
        targets = block_targets(sql, inner, replacements, dirty)
        if targets is None or len(targets) != 1:
            continue
        kind = _kind(inner, targets[0])
        open_i = enclosing_select(tokens, parens, targets[0].ref.start)
        if kind is None or open_i is None:
            continue
        close_i = parens[open_i]
        lay = layout(tokens[open_i + 1 : close_i])
        if lay is None or lay.tail != lay.end:
            continue
        body = (tokens[open_i + 1].start, tokens[close_i - 1].end + 1)
        span = (tokens[open_i].start, tokens[close_i].end + 1)
        out.append(ScalarPlan(span, body, lay, kind, targets[0]))
    return out


def scalar_edit(sql: str, plan: ScalarPlan, fixed: list[Edit], n: int) -> Edit:
    """The edit that puts the combination of per-half subqueries in place of the subquery."""
    t = plan.target
    inside = [e for e in fixed if plan.body[0] <= e[0] and e[1] <= plan.body[1]]

    def sub(half: Half, column: str | None = None) -> str:
        edits = [*inside, (t.span[0], t.span[1], half.source)]
        if half.condition is not None:
            edits.extend(add_condition(plan.lay, half.condition))
        if column is not None:  # the select list becomes `column`
            items = plan.lay.items
            edits.append((items[0][0], items[-1][1], column))
        return "(" + text_with(sql, plan.body, edits) + ")"

    original = t.original(sql)
    overlay = sub(overlay_half(t.dt, t.alias))
    kept = sub(base_half(t.dt, t.alias, original, n, left_join=True))
    if plan.kind == "COUNT":
        base = sub(Half(base_source(t.dt, t.alias, original)))
        hidden = sub(tomb_half(t.dt, t.alias, original, n))
        text = f"({base} - {hidden} + {overlay})"
    elif plan.kind in ("MIN", "MAX"):
        pick = "LEAST" if plan.kind == "MIN" else "GREATEST"
        text = f"{pick}(COALESCE({overlay}, {kept}), COALESCE({kept}, {overlay}))"
    else:
        # The row is in at most one half: take the overlay's value when the overlay has the
        # row (even a NULL value), else the base half's.
        has_row = sub(overlay_half(t.dt, t.alias), "1")
        text = f"(CASE WHEN {has_row} IS NOT NULL THEN {overlay} ELSE {kept} END)"
    return (plan.span[0], plan.span[1], text)
