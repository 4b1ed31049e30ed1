"""Table references of a statement with their character offsets, and text splicing.

Rewrites never regenerate a statement: they replace the characters of a table reference (and
drop its index hints, which a derived table cannot take) and keep everything else, comments and
hints included. Offsets come from sqlglot's identifier `meta` (start/end, end inclusive).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

DIALECT = "mysql"


class Unparseable(Exception):
    """sqlglot cannot parse the statement (or parsed it only as an opaque Command)."""


@dataclass(frozen=True)
class TableRef:
    db: str | None
    name: str
    start: int  # first character of the reference (its db part when qualified)
    end: int  # one past the last character of the table name
    alias: str | None
    hint_spans: tuple[tuple[int, int], ...] = ()
    node: exp.Table | None = field(default=None, compare=False, repr=False)

    @property
    def visible_name(self) -> str:
        """How the rest of the statement refers to this table."""
        return self.alias or self.name


def parse(sql: str) -> exp.Expression:
    try:
        tree = sqlglot.parse_one(sql, read=DIALECT)
    except (ParseError, TokenError) as e:
        raise Unparseable(str(e)) from None
    if not isinstance(tree, exp.Expression) or isinstance(tree, exp.Command):
        raise Unparseable("statement kind not modelled by sqlglot")
    return tree


#: Statements whose parse `parsed` remembers (reads repeat; a parse costs ~0.1-1 ms).
PARSE_CACHE = 1024
_PARSED: OrderedDict[str, tuple[list[Token], exp.Expression]] = OrderedDict()


def parsed(sql: str) -> tuple[list[Token], exp.Expression]:
    """`tokenize(sql)` and `parse(sql)`, remembered: callers must not modify the tree."""
    hit = _PARSED.get(sql)
    if hit is not None:
        _PARSED.move_to_end(sql)
        return hit
    hit = (tokenize(sql), parse(sql))
    _PARSED[sql] = hit
    if len(_PARSED) > PARSE_CACHE:
        _PARSED.popitem(last=False)
    return hit


def tokenize(sql: str) -> list[Token]:
    try:
        return list(sqlglot.tokenize(sql, read=DIALECT))
    except TokenError as e:
        raise Unparseable(str(e)) from None


def _span(node: exp.Expression | None) -> tuple[int, int] | None:
    if node is None:
        return None
    meta = node.meta
    if "start" not in meta:
        return None
    return int(meta["start"]), int(meta["end"]) + 1


def cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias for cte in tree.find_all(exp.CTE) if cte.alias}


def table_ref(node: exp.Table, tokens: list[Token] | None) -> TableRef | None:
    """The reference a Table node makes, or None when it has no offsets (not a plain name)."""
    name_span = _span(node.args.get("this"))
    if name_span is None or not isinstance(node.this, exp.Identifier):
        return None
    start = name_span[0]
    db_node = node.args.get("db")
    db_span = _span(db_node)
    if db_span is not None:
        start = db_span[0]
    if node.args.get("catalog") is not None:
        return None  # three-part names are not MySQL table references
    alias_node = node.args.get("alias")
    alias = None
    after = name_span[1]
    if isinstance(alias_node, exp.TableAlias) and alias_node.this is not None:
        alias = alias_node.name
        a_span = _span(alias_node.this)
        if a_span is not None:
            after = a_span[1]
    hints: tuple[tuple[int, int], ...] = ()
    if node.args.get("hints") and tokens is not None:
        hints = _hint_spans(tokens, after)
    return TableRef(
        db=db_node.name if db_node is not None else None,
        name=node.name,
        start=start,
        end=name_span[1],
        alias=alias,
        hint_spans=hints,
        node=node,
    )


def _hint_spans(tokens: list[Token], after: int) -> tuple[tuple[int, int], ...]:
    """Spans of `USE|FORCE|IGNORE INDEX|KEY [FOR …] (…)` hints that follow offset `after`."""
    i = 0
    while i < len(tokens) and tokens[i].start < after:
        i += 1
    spans = []
    while i + 1 < len(tokens):
        t0, t1 = tokens[i], tokens[i + 1]
        if t0.text.upper() not in ("USE", "FORCE", "IGNORE") or t1.text.upper() not in (
            "INDEX",
            "KEY",
        ):
            break
        j = i + 2
        while j < len(tokens) and tokens[j].token_type != TokenType.L_PAREN:
            j += 1
        depth = 0
        while j < len(tokens):
            if tokens[j].token_type == TokenType.L_PAREN:
                depth += 1
            elif tokens[j].token_type == TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(tokens):
            break
        spans.append((t0.start, tokens[j].end + 1))
        i = j + 1
    return tuple(spans)


def all_table_refs(tree: exp.Expression, tokens: list[Token] | None) -> list[TableRef]:
    """Every reference to a stored table (CTE names and DUAL excluded), in text order."""
    ctes = cte_names(tree)
    out = []
    for node in tree.find_all(exp.Table):
        ref = table_ref(node, tokens)
        if ref is None:
            continue
        if ref.db is None and (ref.name in ctes or ref.name.lower() == "dual"):
            continue
        out.append(ref)
    out.sort(key=lambda r: r.start)
    return out


def qualified_columns(tree: exp.Expression) -> list[tuple[exp.Column, int, int]]:
    """Columns written `db.table.col`, with the span of their `db.` prefix (to drop)."""
    out = []
    for col in tree.find_all(exp.Column):
        db = col.args.get("db")
        tbl = col.args.get("table")
        ds, ts = _span(db), _span(tbl)
        if ds is not None and ts is not None:
            out.append((col, ds[0], ts[0]))
    return out


def splice(sql: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """Replace [start, end) ranges by new text; ranges must not overlap."""
    parts = []
    pos = 0
    for start, end, new in sorted(edits, key=lambda e: e[0]):
        if start < pos:
            raise ValueError(f"overlapping edits at {start}")
        parts.append(sql[pos:start])
        parts.append(new)
        pos = end
    parts.append(sql[pos:])
    return "".join(parts)


def literal_sql(node: exp.Expression) -> str | None:
    """The SQL of a constant value (number, string, NULL, negative number), else None."""
    if isinstance(node, exp.Literal):
        return node.sql(dialect=DIALECT)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return "-" + node.this.sql(dialect=DIALECT)
    if isinstance(node, exp.Null):
        return "NULL"
    return None


def locking_clause_spans(tokens: list[Token]) -> list[tuple[int, int]]:
    """Spans of top-level `FOR UPDATE|SHARE [OF …] [NOWAIT|SKIP LOCKED]` / `LOCK IN SHARE MODE`."""
    spans = []
    n = len(tokens)
    depth = 0
    i = 0
    while i < n:
        t = tokens[i]
        if t.token_type == TokenType.L_PAREN:
            depth += 1
        elif t.token_type == TokenType.R_PAREN:
            depth -= 1
        up = t.text.upper()
        nxt = tokens[i + 1].text.upper() if i + 1 < n else ""
        if up == "FOR" and nxt in ("UPDATE", "SHARE"):
            j = i + 2
            while j < n and tokens[j].token_type not in (TokenType.R_PAREN, TokenType.SEMICOLON):
                if tokens[j].text.upper() in ("UNION", "INTO"):
                    break
                j += 1
            spans.append((t.start, tokens[j - 1].end + 1))
            i = j
            continue
        if up == "LOCK" and nxt == "IN" and i + 3 < n and tokens[i + 3].text.upper() == "MODE":
            spans.append((t.start, tokens[i + 3].end + 1))
            i += 4
            continue
        i += 1
    return spans
