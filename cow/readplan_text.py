"""Where the clauses of a top-level SELECT lie in its text, from its tokens.

The read planner builds its statements by splicing the client's own text (never by regenerating
it), so it needs the offsets sqlglot does not keep for clauses: the select-list items, the end of
the FROM clause, the WHERE clause, and the ORDER BY / LIMIT tail. Only depth-0 tokens count, so
keywords inside subqueries, function calls and window specifications are ignored. Statements
with clauses the planner does not model (INTO, locking, UNION, PROCEDURE, WINDOW,
SQL_CALC_FOUND_ROWS) or user-variable assignments get no layout.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlglot.tokenizer_core import Token, TokenType

_MODIFIERS = frozenset(
    {
        "ALL",
        "DISTINCT",
        "DISTINCTROW",
        "HIGH_PRIORITY",
        "STRAIGHT_JOIN",
        "SQL_SMALL_RESULT",
        "SQL_BIG_RESULT",
        "SQL_BUFFER_RESULT",
        "SQL_NO_CACHE",
        "SQL_CACHE",
    }
)
#: Top-level words after which the planner does not know what the statement does.
_REFUSED = frozenset(
    {"UNION", "EXCEPT", "INTERSECT", "INTO", "FOR", "LOCK", "PROCEDURE", "WINDOW", "RETURNING"}
)
_QUOTED = (TokenType.STRING, TokenType.IDENTIFIER)


@dataclass(frozen=True)
class Layout:
    """Character offsets (into the statement) of one SELECT's clauses; ends are exclusive."""

    items: tuple[tuple[int, int], ...]  # select-list items
    from_end: int  # where a WHERE clause would go when there is none
    where: tuple[int, int] | None  # the WHERE keyword
    where_end: int
    tail: int  # start of ORDER BY / LIMIT, or `end` when there is neither
    order: int | None  # the ORDER BY keyword
    limit: int | None  # the LIMIT keyword
    end: int  # end of the statement (trailing `;` excluded)


def _word(t: Token) -> str:
    return "" if t.token_type in _QUOTED else t.text.upper()


def layout(tokens: list[Token]) -> Layout | None:
    """The layout of a statement that is one plain SELECT, else None."""
    toks = list(tokens)
    while toks and toks[-1].token_type == TokenType.SEMICOLON:
        toks.pop()
    if not toks or toks[0].token_type != TokenType.SELECT:
        return None
    if any(t.token_type == TokenType.COLON_EQ for t in toks):
        return None  # `@v := …` counts rows in evaluation order: not split into halves
    marks: dict[str, int] = {}
    commas: list[int] = []
    depth = 0
    first_item = -1
    for i, t in enumerate(toks):
        if t.token_type == TokenType.L_PAREN:
            depth += 1
        elif t.token_type == TokenType.R_PAREN:
            depth -= 1
        if depth != 0 or i == 0:
            continue
        w = _word(t)
        if t.token_type == TokenType.SEMICOLON or w in _REFUSED or w == "SQL_CALC_FOUND_ROWS":
            return None
        if first_item < 0:
            if w in _MODIFIERS:
                continue
            first_item = i
        if "FROM" not in marks and t.token_type == TokenType.COMMA:
            commas.append(i)
        key = {
            TokenType.FROM: "FROM",
            TokenType.WHERE: "WHERE",
            TokenType.GROUP_BY: "GROUP",
            TokenType.HAVING: "HAVING",
            TokenType.ORDER_BY: "ORDER",
            TokenType.LIMIT: "LIMIT",
        }.get(t.token_type)
        if key is not None and key not in marks:
            marks[key] = i
    if "FROM" not in marks or first_item < 0 or first_item >= marks["FROM"]:
        return None
    end = toks[-1].end + 1
    bounds = [first_item, *commas, marks["FROM"]]
    items = []
    for a, b in itertools.pairwise(bounds):
        lo = a if a == first_item else a + 1
        items.append((toks[lo].start, toks[b - 1].end + 1))

    def start_of(*keys: str) -> int:
        found = [toks[marks[k]].start for k in keys if k in marks]
        return min(found) if found else end

    where_tok = toks[marks["WHERE"]] if "WHERE" in marks else None
    order = toks[marks["ORDER"]].start if "ORDER" in marks else None
    limit = toks[marks["LIMIT"]].start if "LIMIT" in marks else None
    return Layout(
        items=tuple(items),
        from_end=start_of("WHERE", "GROUP", "HAVING", "ORDER", "LIMIT"),
        where=(where_tok.start, where_tok.end + 1) if where_tok else None,
        where_end=start_of("GROUP", "HAVING", "ORDER", "LIMIT"),
        tail=start_of("ORDER", "LIMIT"),
        order=order,
        limit=limit,
        end=end,
    )


def add_condition(lay: Layout, cond: str) -> list[tuple[int, int, str]]:
    """Edits that AND `cond` onto the SELECT's WHERE clause (adding one if it has none)."""
    if lay.where is None:
        return [(lay.from_end, lay.from_end, f" WHERE {cond} ")]
    return [
        (lay.where[1], lay.where[1], " ("),
        (lay.where_end, lay.where_end, f") AND {cond} "),
    ]


def order_keys(tokens: list[Token], lay: Layout) -> list[tuple[int, int]]:
    """Spans of the ORDER BY keys, each without its ASC/DESC ([] without ORDER BY)."""
    if lay.order is None:
        return []
    stop = lay.limit if lay.limit is not None else lay.end
    toks = [t for t in tokens if lay.order <= t.start < stop][1:]
    groups: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.token_type == TokenType.L_PAREN:
            depth += 1
        elif t.token_type == TokenType.R_PAREN:
            depth -= 1
        if depth == 0 and t.token_type == TokenType.COMMA:
            groups.append([])
        else:
            groups[-1].append(t)
    spans = []
    for g in groups:
        if g and _word(g[-1]) in ("ASC", "DESC"):
            g = g[:-1]
        if not g:
            return []
        spans.append((g[0].start, g[-1].end + 1))
    return spans
