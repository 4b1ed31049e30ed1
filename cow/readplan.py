"""The read planner: fast merged reads of changed tables (DESIGN §5, issue 7).

A changed table is overlay rows plus base rows minus tombstones. Replacing each reference by a
UNION derived table is correct but slow on MariaDB (never merged: no index use through it, no
LIMIT pushdown). Instead the planner distributes the whole query block over the halves
(templates T1-T3 of shared/research/merged-reads-mariadb.md): the block runs once per
combination of overlay / base-minus-tombstones for each changed table in its FROM, and the
results are concatenated (UNION ALL; UNION for DISTINCT). ORDER BY … LIMIT is pushed into each
half and applied again on top (T2); aggregates without GROUP BY are computed from per-half
partials (T4, readplan_agg). Anything else returns None and the caller keeps the naive form.

Pure: input is the statement (text, tokens, sqlglot tree), the naive replacement of every
reference that differs on the branch, and a `DirtyTable` per changed table; output is SQL text.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokenizer_core import Token

from branchdb.sqlrewrite.reads import db_prefix_fixes, quote_ident, reference_edits
from branchdb.sqlrewrite.refs import TableRef, splice

from .readplan_agg import plan_aggregate
from .readplan_estimate import prefer_left_join, probed_rows
from .readplan_model import DirtyTable, Half, Target, base_half, overlay_half, text_with
from .readplan_order import limits, outer_order
from .readplan_text import Layout, add_condition, layout

Edit = tuple[int, int, str]
#: Beyond this many changed tables in one FROM, 2^n branches cost more than the naive form.
MAX_DISTRIBUTED = 3
#: Plans remembered (applications repeat their statements; planning costs ~0.2 ms).
PLAN_CACHE = 2048
_PLANS: OrderedDict[tuple[object, ...], str | None] = OrderedDict()
_AGG_NAMES = frozenset(
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


@dataclass(frozen=True)
class Block:
    """What every strategy needs to know of the statement."""

    sql: str
    select: exp.Select
    lay: Layout
    targets: tuple[Target, ...]
    fixed: tuple[Edit, ...]  # naive replacements elsewhere and `db.` fixes: in every branch
    single: bool  # the FROM is one table


def plan_read(
    sql: str,
    tokens: list[Token],
    tree: exp.Expression,
    replacements: list[tuple[TableRef, str]],
    dirty: dict[int, DirtyTable],
) -> str | None:
    """The planned SQL for a read, or None to use the naive replacements.

    `replacements`: every reference that reads differently on the branch, with its naive text;
    `dirty`: by reference start, the changed tables the planner may split. Memoized: the
    result is a function of these inputs alone (tokens and tree are the text's parse).
    """
    key = (sql, tuple((r.start, text) for r, text in replacements), tuple(sorted(dirty.items())))
    if key in _PLANS:
        _PLANS.move_to_end(key)
        return _PLANS[key]
    planned = _plan(sql, tokens, tree, replacements, dirty)
    _PLANS[key] = planned
    if len(_PLANS) > PLAN_CACHE:
        _PLANS.popitem(last=False)
    return planned


def _plan(
    sql: str,
    tokens: list[Token],
    tree: exp.Expression,
    replacements: list[tuple[TableRef, str]],
    dirty: dict[int, DirtyTable],
) -> str | None:
    block = _block(sql, tokens, tree, replacements, dirty)
    if block is None:
        return None
    if _aggregates(block.select):
        return plan_aggregate(
            block.sql, block.select, block.lay, block.targets, block.fixed, single=block.single
        )
    return _distribute(block)


def _block(
    sql: str,
    tokens: list[Token],
    tree: exp.Expression,
    replacements: list[tuple[TableRef, str]],
    dirty: dict[int, DirtyTable],
) -> Block | None:
    if not isinstance(tree, exp.Select) or tree.args.get("with") is not None:
        return None
    lay = layout(tokens)
    frm = tree.args.get("from_")
    if lay is None or frm is None:
        return None
    factors = [frm.this] + [j.this for j in tree.args.get("joins") or []]
    joins = tree.args.get("joins") or []
    by_node = {id(r.node): r for r, _ in replacements}
    visible = [_visible(f) for f in factors]
    if None in visible or len({v.lower() for v in visible if v}) != len(visible):
        return None
    targets = []
    for i, factor in enumerate(factors):
        ref = by_node.get(id(factor))
        if ref is None or ref.start not in dirty or not _preserved(i, joins):
            continue
        dt = dirty[ref.start]
        if not dt.pk or not all(dt.has_column(c) for c in dt.pk):
            continue
        span_end = max([ref.end, *(e for _, e in ref.hint_spans), _alias_end(factor)])
        hints = " ".join(sql[s:e] for s, e in ref.hint_spans)
        targets.append(Target(ref, dt, ref.alias or ref.name, (ref.start, span_end), hints))
    if not targets or len(targets) > MAX_DISTRIBUTED:
        return None
    split = {t.ref.start for t in targets}
    naive = [(r, text) for r, text in replacements if r.start not in split]
    fixed = reference_edits(naive) + db_prefix_fixes(tree, [r for r, _ in replacements])
    return Block(sql[: lay.end], tree, lay, tuple(targets), tuple(fixed), len(factors) == 1)


def _visible(factor: exp.Expression) -> str | None:
    if isinstance(factor, exp.Table):
        return factor.alias or factor.name
    if isinstance(factor, exp.Subquery) and factor.alias:
        return factor.alias
    return None


def _alias_end(factor: exp.Expression) -> int:
    alias = factor.args.get("alias")
    ident = alias.this if isinstance(alias, exp.TableAlias) else None
    if isinstance(ident, exp.Identifier) and "end" in ident.meta:
        return int(ident.meta["end"]) + 1
    return 0


def _preserved(i: int, joins: list[exp.Join]) -> bool:
    """Whether FROM item `i` keeps all its rows (not the NULL side of an outer join)."""
    if i > 0 and joins[i - 1].side in ("LEFT", "FULL"):
        return False
    return not any(j.side in ("RIGHT", "FULL") for j in joins[i:])


def _walk_block(node: exp.Expression) -> list[exp.Expression]:
    """Nodes of one query block, not entering subqueries."""
    out = [node]
    for child in node.iter_expressions():
        if isinstance(child, (exp.Subquery, exp.Select, exp.Union)):
            continue
        out.extend(_walk_block(child))
    return out


def _aggregates(select: exp.Select) -> bool:
    """Whether the block aggregates or windows (its rows are not a union of per-half rows)."""
    if select.args.get("group") is not None or select.args.get("having") is not None:
        return True
    roots: list[exp.Expression] = list(select.expressions)
    if select.args.get("order") is not None:
        roots.append(select.args["order"])
    for root in roots:
        for node in _walk_block(root):
            if isinstance(node, (exp.AggFunc, exp.Window)):
                return True
            if isinstance(node, exp.Anonymous) and str(node.this).upper() in _AGG_NAMES:
                return True
    return False


def _bare_star(select: exp.Select, lay: Layout) -> tuple[int, int] | None:
    for item, span in zip(select.expressions, lay.items, strict=False):
        if isinstance(item, exp.Star):
            return span
    return None


def _distribute(block: Block) -> str | None:
    """T1/T2/T3: the block once per overlay/base choice of each target, concatenated."""
    sel, lay = block.select, block.lay
    lim = limits(sel)
    if lay.limit is not None and lim is None:
        return None
    star_cols = None
    if block.single:
        star_cols = tuple(c for c, _ in block.targets[0].dt.columns)
    order = outer_order(sel, star_cols, single=block.single)
    if order is None:
        return None
    if len(lay.items) != len(sel.expressions):
        return None
    star = _bare_star(sel, lay)
    using = any(j.args.get("using") or j.args.get("method") for j in sel.args.get("joins") or [])
    left_join = []
    for t in block.targets:
        rows = probed_rows(
            sel, t.alias, t.dt, alone=block.single, limit_rows=lim.rows if lim else None
        )
        left_join.append(prefer_left_join(rows, t.dt) and not (star and using))
    star_text = None
    if star is not None and any(left_join):
        frm = sel.args["from_"]
        factors = [frm.this] + [j.this for j in sel.args.get("joins") or []]
        star_text = ", ".join(f"{quote_ident(_visible(f) or '')}.*" for f in factors)
    half_tail = ""  # ORDER BY without LIMIT: only the outer sort matters
    if lim is not None and lim.per_half is not None:
        end_of_order = lay.limit if lay.limit is not None else lay.end
        half_tail = text_with(block.sql, (lay.tail, end_of_order), block.fixed).rstrip()
        half_tail += f" LIMIT {lim.per_half}"
    body = [e for e in block.fixed if e[0] < lay.tail]
    outer = order
    if lim is not None:
        outer += f" LIMIT {lim.count}" + (f" OFFSET {lim.offset}" if lim.offset else "")
    halves = []
    for choice in itertools.product((False, True), repeat=len(block.targets)):
        edits = list(body)
        conds = []
        for n, (t, use_base) in enumerate(zip(block.targets, choice, strict=True)):
            half = _half(block, t, n, use_base=use_base, left_join=left_join[n], limited=bool(lim))
            edits.append((t.span[0], t.span[1], half.source))
            if half.condition is not None:
                conds.append(half.condition)
        if star_text is not None and star is not None:
            edits.append((star[0], star[1], star_text))
        if conds:
            edits.extend(add_condition(lay, " AND ".join(conds)))
        edits.append((lay.tail, lay.end, " " + half_tail if half_tail else ""))
        halves.append("(" + splice(block.sql, edits).strip() + ")")
    glue = " UNION " if sel.args.get("distinct") is not None else " UNION ALL "
    return glue.join(halves) + (" " + outer if outer else "")


def _half(
    block: Block, t: Target, n: int, *, use_base: bool, left_join: bool, limited: bool
) -> Half:
    if use_base:
        return base_half(t.dt, t.alias, t.original(block.sql), n, left_join=left_join)
    half = overlay_half(t.dt, t.alias)
    if half.keeps_hints and t.hints:
        return Half(half.source + " " + t.hints)
    force = _force_order_index(block, t) if limited else None
    return Half(half.source + force) if force else half


def _force_order_index(block: Block, t: Target) -> str | None:
    """FORCE INDEX FOR ORDER BY on a small overlay: its optimizer otherwise picks a filesort."""
    order = block.select.args.get("order")
    if order is None or not block.single or not t.dt.identity:
        return None
    key = order.expressions[0].this
    if not isinstance(key, exp.Column) or (key.table and key.table.lower() != t.alias.lower()):
        return None
    index = t.dt.overlay_index(key.name)
    return f" FORCE INDEX FOR ORDER BY ({quote_ident(index)})" if index else None
