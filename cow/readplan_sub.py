"""IN and EXISTS subqueries over a changed table (template T6, simplified).

`x IN (SELECT … FROM R …)` with R changed would read R's naive UNION view, which MariaDB can
neither merge nor turn into a semi-join (a dependent subquery per outer row: seconds). The set
R is overlay + (base minus tombstones), and membership in a union is membership in either
part, in SQL's three-valued logic too: `x IN (S1 UNION ALL S2)` is `x IN (S1) OR x IN (S2)`,
and `EXISTS (S1 UNION ALL S2)` is `EXISTS (S1) OR EXISTS (S2)`. So the subquery is written
twice, once over the overlay and once over the base with the tombstone anti-join inside it
(where the research note found it cheapest), each half a plain subquery the optimizer can
index or materialize.
Only subqueries of the WHERE clause whose own block is simple (no aggregates, no ORDER BY /
LIMIT, one changed table) are rewritten; others keep the naive form.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

from branchdb.sqlrewrite.refs import TableRef

from .readplan_block import aggregates, block_targets, factors, walk_block
from .readplan_estimate import prefer_left_join, probed_rows
from .readplan_model import DirtyTable, Edit, Target, base_half, overlay_half, text_with
from .readplan_text import Layout, add_condition, layout


@dataclass(frozen=True)
class SubPlan:
    span: tuple[int, int]  # the text replaced: `x [NOT] IN (…)` or `EXISTS (…)`
    head: str  # `x IN ` / `EXISTS ` (with `x` as written)
    negated: bool  # `x NOT IN (…)`
    body: tuple[int, int]  # the subquery's SELECT … inside its parentheses
    lay: Layout
    select: exp.Select
    target: Target


def matching_parens(tokens: list[Token]) -> dict[int, int]:
    out, stack = {}, []
    for i, t in enumerate(tokens):
        if t.token_type == TokenType.L_PAREN:
            stack.append(i)
        elif t.token_type == TokenType.R_PAREN and stack:
            out[stack.pop()] = i
    return out


def enclosing_select(tokens: list[Token], parens: dict[int, int], start: int) -> int | None:
    """The innermost `( SELECT` whose parentheses hold offset `start` (its `(` token)."""
    return max(
        (
            i
            for i, j in parens.items()
            if tokens[i].start < start < tokens[j].start
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type == TokenType.SELECT
        ),
        default=None,
    )


def _column_start(col: exp.Column) -> int | None:
    starts = [
        int(part.meta["start"])
        for part in (col.args.get("db"), col.args.get("table"), col.this)
        if isinstance(part, exp.Identifier) and "start" in part.meta
    ]
    return min(starts) if starts else None


def find_subqueries(
    sql: str,
    tokens: list[Token],
    select: exp.Select,
    replacements: list[tuple[TableRef, str]],
    dirty: dict[int, DirtyTable],
) -> list[SubPlan]:
    where = select.args.get("where")
    if where is None:
        return []
    parens = matching_parens(tokens)
    out = []
    for node in walk_block(where):
        if isinstance(node, exp.Exists) and isinstance(node.this, exp.Select):
            plan = _sub_plan(sql, tokens, parens, node, node.this, replacements, dirty)
        elif isinstance(node, exp.In) and isinstance(node.args.get("query"), exp.Subquery):
            inner = node.args["query"].this
            if not isinstance(inner, exp.Select) or not isinstance(node.this, exp.Column):
                continue
            plan = _sub_plan(sql, tokens, parens, node, inner, replacements, dirty)
        else:
            continue
        if plan is not None:
            out.append(plan)
    return out


def _sub_plan(
    sql: str,
    tokens: list[Token],
    parens: dict[int, int],
    node: exp.Expression,
    inner: exp.Select,
    replacements: list[tuple[TableRef, str]],
    dirty: dict[int, DirtyTable],
) -> SubPlan | None:
    if inner.args.get("with") is not None or aggregates(inner) or len(factors(inner)) != 1:
        return None
    targets = block_targets(sql, inner, replacements, dirty)
    if targets is None or len(targets) != 1:
        return None
    target = targets[0]
    open_i = enclosing_select(tokens, parens, target.ref.start)
    if open_i is None:
        return None
    close_i = parens[open_i]
    lay = layout(tokens[open_i + 1 : close_i])
    if lay is None or lay.tail != lay.end:
        return None
    before = [t.text.upper() for t in tokens[max(open_i - 2, 0) : open_i]]
    if isinstance(node, exp.Exists):
        if not before or before[-1] != "EXISTS":
            return None
        start, head, negated = tokens[open_i - 1].start, "EXISTS ", False
    else:
        assert isinstance(node.this, exp.Column)
        col_start = _column_start(node.this)
        if col_start is None or not before or before[-1] != "IN":
            return None
        negated = len(before) == 2 and before[0] == "NOT"
        col_end = tokens[open_i - (3 if negated else 2)].end + 1
        start, head = col_start, f"{sql[col_start:col_end]} IN "
    return SubPlan(
        span=(start, tokens[close_i].end + 1),
        head=head,
        negated=negated,
        body=(tokens[open_i + 1].start, tokens[close_i - 1].end + 1),
        lay=lay,
        select=inner,
        target=target,
    )


def sub_edit(sql: str, plan: SubPlan, fixed: list[Edit], n: int) -> Edit:
    """The edit that puts the two-part membership test in place of the subquery test.

    `fixed`: the statement's other edits (naive replacements, `db.` fixes), applied inside;
    `n` numbers the tombstone alias.
    """
    t = plan.target
    inside = [e for e in fixed if plan.body[0] <= e[0] and e[1] <= plan.body[1]]
    rows = probed_rows(plan.select, t.alias, t.dt, alone=True, limit_rows=None)
    # A correlated EXISTS runs per outer row: index probes, never a hash of all tombstones.
    left_join = plan.head.startswith("EXISTS") or prefer_left_join(rows, t.dt)
    halves = []
    for use_base in (False, True):
        if use_base:
            half = base_half(t.dt, t.alias, t.original(sql), n, left_join=left_join)
        else:
            half = overlay_half(t.dt, t.alias)
        edits = [*inside, (t.span[0], t.span[1], half.source)]
        if half.condition is not None:
            edits.extend(add_condition(plan.lay, half.condition))
        body = text_with(sql, plan.body, edits)
        halves.append(f"{_head(sql, plan, fixed)}({body})")
    test = "(" + " OR ".join(halves) + ")"
    return (plan.span[0], plan.span[1], f"NOT {test}" if plan.negated else test)


def _head(sql: str, plan: SubPlan, fixed: list[Edit]) -> str:
    if plan.head.startswith("EXISTS"):
        return plan.head
    col_span = (plan.span[0], plan.span[0] + len(plan.head) - len(" IN "))
    return text_with(sql, col_span, fixed) + " IN "
