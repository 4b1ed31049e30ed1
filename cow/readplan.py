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
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokenizer_core import Token

from branchdb.sqlrewrite.reads import db_prefix_fixes, quote_ident, reference_edits
from branchdb.sqlrewrite.refs import TableRef, splice

from .readplan_agg import plan_aggregate
from .readplan_block import aggregates, block_targets, factors, visible
from .readplan_estimate import prefer_left_join, probed_rows
from .readplan_model import DirtyTable, Half, Target, base_half, overlay_half, text_with
from .readplan_order import hidden_order, limits, outer_order
from .readplan_scalar import find_scalars, scalar_edit
from .readplan_sub import find_subqueries, sub_edit
from .readplan_text import Layout, add_condition, layout, order_keys

Edit = tuple[int, int, str]


@dataclass(frozen=True)
class Block:
    """What every strategy needs to know of the statement."""

    sql: str
    tokens: list[Token]
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
    `dirty`: by reference start, the changed tables the planner may split. A pure function of
    these inputs; the engine remembers its results per statement and branch state (readcache).
    """
    if not isinstance(tree, exp.Select) or tree.args.get("with") is not None:
        return None
    lay = layout(tokens)
    if lay is None or tree.args.get("from_") is None:
        return None
    subs = find_subqueries(sql, tokens, tree, replacements, dirty)
    scalars = find_scalars(sql, tokens, tree, replacements, dirty)
    taken = {p.target.ref.start for p in subs} | {p.target.ref.start for p in scalars}
    targets = block_targets(sql, tree, [p for p in replacements if p[0].start not in taken], dirty)
    split = taken | {t.ref.start for t in targets or ()}
    naive = [(r, text) for r, text in replacements if r.start not in split]
    fixed = reference_edits(naive) + db_prefix_fixes(tree, [r for r, _ in replacements])
    sub_edits = [sub_edit(sql, p, fixed, 10 + i) for i, p in enumerate(subs)]
    sub_edits += [scalar_edit(sql, p, fixed, 30 + i) for i, p in enumerate(scalars)]
    fixed = [e for e in fixed if not any(s <= e[0] and e[1] <= t for s, t, _ in sub_edits)]
    fixed += sub_edits + _names_kept(sql, tree, lay, fixed + sub_edits)
    if targets is None:
        return splice(sql, fixed) if sub_edits else None
    single = len(factors(tree)) == 1
    block = Block(sql[: lay.end], tokens, tree, lay, tuple(targets), tuple(fixed), single)
    if aggregates(block.select):
        planned = plan_aggregate(
            block.sql, block.select, block.lay, block.targets, block.fixed, single=block.single
        )
    else:
        planned = _distribute(block)
    if planned is None and sub_edits:  # the subqueries' rewrite alone, the rest naive
        rest = reference_edits([(t.ref, _naive(replacements, t)) for t in targets])
        return splice(sql, fixed + rest)
    return planned


def _names_kept(sql: str, select: exp.Select, lay: Layout, edits: list[Edit]) -> list[Edit]:
    """Aliases that keep the result column names of unaliased expression items the edits
    change (the server names such a column by the item's text as written)."""
    out = []
    for item, (s, e) in zip(select.expressions, lay.items, strict=False):
        if isinstance(item, (exp.Alias, exp.Column, exp.Star)) or len(sql[s:e]) > 250:
            continue
        if any(s <= es and ee <= e and es < ee for es, ee, _ in edits):
            out.append((e, e, f" AS {quote_ident(sql[s:e])}"))
    return out


def _naive(replacements: list[tuple[TableRef, str]], t: Target) -> str:
    return next(text for r, text in replacements if r.start == t.ref.start)


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
    wrap = None
    if order is None:
        key_spans = order_keys(block.tokens, lay)
        if sel.args.get("distinct") is not None or not key_spans:
            return None
        wrap = hidden_order(sel, star_cols, single=block.single)
        if wrap is None or len(key_spans) != len(sel.args["order"].expressions):
            return None
        extra = "".join(
            f", {text_with(block.sql, key_spans[i], block.fixed)} AS `_bdb_o{i}`"
            for i in wrap.hidden
        )
        order = wrap.order
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
        star_text = ", ".join(f"{quote_ident(visible(f) or '')}.*" for f in factors)
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
        if wrap is not None:
            edits.append((lay.items[-1][1], lay.items[-1][1], extra))
        if conds:
            edits.extend(add_condition(lay, " AND ".join(conds)))
        edits.append((lay.tail, lay.end, " " + half_tail if half_tail else ""))
        halves.append("(" + splice(block.sql, edits).strip() + ")")
    glue = " UNION " if sel.args.get("distinct") is not None else " UNION ALL "
    if wrap is not None:
        names = ", ".join(quote_ident(n) for n in wrap.names)
        return f"SELECT {names} FROM ({glue.join(halves)}) AS `_bdb_u` {outer}"
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
