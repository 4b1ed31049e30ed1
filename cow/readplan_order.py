"""ORDER BY … LIMIT across the halves of a distributed read (template T2).

Each half keeps the client's ORDER BY and reads `LIMIT n+offset` rows, so each can stop early on
an index; the union is sorted again and cut to `LIMIT n OFFSET offset`. The outer ORDER BY can
only name result columns, so each sort key is mapped to its select-list position (or, for
`SELECT *` over one table, to the column name); a key that is not a result column is not planned.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from branchdb.sqlrewrite.reads import quote_ident

#: Integer literals at least this large are not added to: prepared statements plan with
#: 19-digit marker literals standing for `?`, and 2^64-1 means "all rows".
_OPAQUE = 10**15


@dataclass(frozen=True)
class Limits:
    count: str  # LIMIT n, as written
    offset: str | None  # OFFSET m, as written (None: no offset)
    per_half: str | None  # what each half may stop at (None: each half reads everything)
    rows: int | None  # n + m when both are known numbers


def _number(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
        value = int(node.this)
        return value if value < _OPAQUE else None
    return None


def _text(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
        return str(node.this)
    return None


def limits(select: exp.Select) -> Limits | None:
    """The block's LIMIT/OFFSET, or None when it has none or they are not plain numbers."""
    lim = select.args.get("limit")
    if lim is None:
        return None
    count = _text(lim.expression)
    if count is None:
        return None
    off = select.args.get("offset")
    offset = _text(off.expression) if off is not None else None
    if off is not None and offset is None:
        return None
    n, m = _number(lim.expression), _number(off.expression) if off is not None else 0
    if offset is None or m == 0:
        return Limits(count, offset, count, n)
    if n is not None and m is not None:
        return Limits(count, offset, str(n + m), n + m)
    return Limits(count, offset, None, None)


def _has_star(items: list[exp.Expression]) -> bool:
    return any(
        isinstance(i, exp.Star) or (isinstance(i, exp.Column) and isinstance(i.this, exp.Star))
        for i in items
    )


def _position(key: exp.Expression, items: list[exp.Expression], single: bool) -> int | None:
    col = key if isinstance(key, exp.Column) else None
    bare = col.name.lower() if col is not None and not col.table else None
    for i, item in enumerate(items, 1):
        if isinstance(item, exp.Alias):
            if item.this == key or bare == item.alias.lower():
                return i
        elif item == key:
            return i
        elif isinstance(item, exp.Column) and col is not None:
            same_table = item.table.lower() == col.table.lower() or single
            if item.name.lower() == col.name.lower() and (bare is not None or same_table):
                return i
    return None


def outer_order(
    select: exp.Select, star_columns: tuple[str, ...] | None, *, single: bool
) -> str | None:
    """`ORDER BY …` over the union's result columns; '' without ORDER BY; None: not mappable.

    `star_columns`: the result columns of `SELECT *` when the block reads one table (else None).
    """
    order = select.args.get("order")
    if order is None:
        return ""
    items = list(select.expressions)
    star = _has_star(items)
    keys = []
    for ordered in order.expressions:
        key = ordered.this
        if isinstance(key, exp.Literal) and not key.is_string and key.this.isdigit():
            text = key.this
        elif not star:
            pos = _position(key, items, single)
            if pos is None:
                return None
            text = str(pos)
        else:
            if not isinstance(key, exp.Column) or star_columns is None or len(items) != 1:
                return None
            names = [c for c in star_columns if c.lower() == key.name.lower()]
            if len(names) != 1:
                return None
            text = quote_ident(names[0])
        keys.append(text + (" DESC" if ordered.args.get("desc") else ""))
    return "ORDER BY " + ", ".join(keys)


@dataclass(frozen=True)
class HiddenOrder:
    """Sort keys that are not result columns: each half also selects them (`_bdb_o<i>`), and
    the union is wrapped to sort on them and return only the client's columns."""

    names: tuple[str, ...]  # the result columns, selected from the wrapped union
    hidden: tuple[int, ...]  # ORDER BY keys added to each half as `_bdb_o<i>`
    order: str  # ORDER BY over the wrapper's columns


def _result_names(items: list[exp.Expression], star_columns: tuple[str, ...] | None) -> list[str]:
    names: list[str] = []
    for item in items:
        if isinstance(item, exp.Alias):
            names.append(item.alias)
        elif isinstance(item, exp.Column) and not isinstance(item.this, exp.Star):
            names.append(item.name)
        elif star_columns is not None and len(items) == 1:
            names.extend(star_columns)
        else:
            return []
    return names


def hidden_order(
    select: exp.Select, star_columns: tuple[str, ...] | None, *, single: bool
) -> HiddenOrder | None:
    """The wrapped form of an ORDER BY with keys outside the select list, or None."""
    order = select.args.get("order")
    items = list(select.expressions)
    names = _result_names(items, star_columns)
    lows = [n.lower() for n in names]
    if order is None or not names or len(set(lows)) != len(lows):
        return None
    if any(n.startswith("_bdb_") for n in lows):
        return None
    aliases = {i.alias.lower() for i in items if isinstance(i, exp.Alias)}
    star = _has_star(items)
    keys, hidden = [], []
    for i, ordered in enumerate(order.expressions):
        key = ordered.this
        pos = None
        if isinstance(key, exp.Literal) and not key.is_string and key.this.isdigit():
            pos = int(key.this) if 0 < int(key.this) <= len(names) and not star else None
            if pos is None:
                return None
        elif not star:
            pos = _position(key, items, single)
        elif isinstance(key, exp.Column) and key.name.lower() in lows:
            pos = lows.index(key.name.lower()) + 1
        if pos is not None:
            text = quote_ident(names[pos - 1])
        else:
            cols = list(key.find_all(exp.Column))
            if any(not c.table and c.name.lower() in aliases for c in cols):
                return None  # a select alias inside an expression: not valid in a select list
            text = f"`_bdb_o{i}`"
            hidden.append(i)
        keys.append(text + (" DESC" if ordered.args.get("desc") else ""))
    return HiddenOrder(tuple(names), tuple(hidden), "ORDER BY " + ", ".join(keys))
