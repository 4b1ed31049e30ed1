"""Where the clauses of UPDATE / DELETE / INSERT statements sit in the text (token offsets).

sqlglot's tree has no offsets for clauses, only for identifiers, so the engine locates the table
list, the WHERE condition and the INSERT source with a depth-aware scan of the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokenizer_core import Token, TokenType


@dataclass(frozen=True)
class WriteLayout:
    """Offsets in the statement text. `refs` is the table-reference list; `where` is the WHERE
    condition (without the keyword) or None; `rest` is ORDER BY/LIMIT (start, end)."""

    refs: tuple[int, int]
    where: tuple[int, int] | None
    rest: tuple[int, int]
    targets: tuple[int, int] | None = None  # DELETE t1, t2 FROM … target list


def _top_level(tokens: list[Token], start: int = 0) -> list[int]:
    """Indexes of tokens at parenthesis depth 0, from token index `start`."""
    out = []
    depth = 0
    for i in range(start, len(tokens)):
        t = tokens[i].token_type
        if t == TokenType.L_PAREN:
            if depth == 0:
                out.append(i)
            depth += 1
        elif t == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0:
            out.append(i)
    return out


_NOT_WORDS = frozenset({TokenType.IDENTIFIER, TokenType.STRING, TokenType.NUMBER})


def _word(tok: Token) -> str:
    """The keyword a token spells; quoted identifiers and strings spell none."""
    return "" if tok.token_type in _NOT_WORDS else tok.text.upper()


def _clauses_after(
    sql: str, tokens: list[Token], top: list[int], pos: int
) -> tuple[tuple[int, int] | None, tuple[int, int]]:
    """WHERE body and ORDER/LIMIT rest at depth 0 after text offset `pos`."""
    end = len(sql.rstrip().rstrip(";"))
    where_kw = None
    rest_start = end
    for i in top:
        tok = tokens[i]
        if tok.start < pos:
            continue
        w = _word(tok)
        if w == "WHERE" and where_kw is None:
            where_kw = tok
        elif tok.token_type in (TokenType.ORDER_BY, TokenType.LIMIT):
            rest_start = tok.start
            break
    where = None
    if where_kw is not None:
        where = (where_kw.end + 1, rest_start)
    return where, (rest_start, end)


_MODIFIERS = frozenset({"LOW_PRIORITY", "IGNORE", "QUICK"})


def update_layout(sql: str, tokens: list[Token]) -> WriteLayout:
    top = _top_level(tokens)
    i = 1
    while i < len(tokens) and _word(tokens[i]) in _MODIFIERS:
        i += 1
    refs_start = tokens[i].start
    set_tok = next(tokens[j] for j in top if j > i and tokens[j].token_type == TokenType.SET)
    where, rest = _clauses_after(sql, tokens, top, set_tok.end + 1)
    return WriteLayout(refs=(refs_start, set_tok.start), where=where, rest=rest)


def delete_layout(sql: str, tokens: list[Token]) -> WriteLayout:
    top = _top_level(tokens)
    i = 1
    while i < len(tokens) and _word(tokens[i]) in _MODIFIERS:
        i += 1
    targets = None
    if _word(tokens[i]) == "FROM":
        using = next((j for j in top if j > i and _word(tokens[j]) == "USING"), None)
        if using is not None:
            targets = (tokens[i + 1].start, tokens[using].start)
            refs_start = tokens[using].end + 1
        else:
            refs_start = tokens[i].end + 1
    else:
        frm = next(j for j in top if j > i and _word(tokens[j]) == "FROM")
        targets = (tokens[i].start, tokens[frm].start)
        refs_start = tokens[frm].end + 1
    where, rest = _clauses_after(sql, tokens, top, refs_start)
    refs_end = where[0] if where is not None else rest[0]
    if where is not None:
        # back up over the WHERE keyword itself
        kw = next(t for t in tokens if t.end + 1 == where[0])
        refs_end = kw.start
    return WriteLayout(refs=(refs_start, refs_end), where=where, rest=rest, targets=targets)


def insert_source(sql: str, tokens: list[Token], after: int) -> tuple[int, int, str]:
    """(start, end, kind) of an INSERT's row source after text offset `after` (the end of the
    target table and its column list): kind is 'values', 'set' or 'select'. The end stops before
    a top-level `ON DUPLICATE KEY UPDATE`, `RETURNING` or a row alias (`AS new`)."""
    top = _top_level(tokens)
    start_i = next(i for i in top if tokens[i].start >= after)
    w = _word(tokens[start_i])
    kind = "values" if w in ("VALUES", "VALUE") else "set" if w == "SET" else "select"
    end = len(sql.rstrip().rstrip(";"))
    for i in top:
        if i <= start_i:
            continue
        if _word(tokens[i]) == "ON" and i + 1 < len(tokens) and _word(tokens[i + 1]) == "DUPLICATE":
            end = tokens[i].start
            break
        if _word(tokens[i]) == "RETURNING":  # MariaDB: INSERT … RETURNING expressions
            end = tokens[i].start
            break
        if kind == "values" and _word(tokens[i]) == "AS":
            end = tokens[i].start
            break
    return tokens[start_i].start, end, kind


def column_list_end(tokens: list[Token], after: int) -> int:
    """If a parenthesised column list follows offset `after`, the offset just past it."""
    i = 0
    while i < len(tokens) and tokens[i].start < after:
        i += 1
    if i >= len(tokens) or tokens[i].token_type != TokenType.L_PAREN:
        return after
    if i + 1 < len(tokens) and _word(tokens[i + 1]) in ("SELECT", "WITH"):
        return after
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].token_type == TokenType.L_PAREN:
            depth += 1
        elif tokens[j].token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return tokens[j].end + 1
    return after


def foreign_key_spans(sql: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Spans (with their leading comma) of `[CONSTRAINT x] FOREIGN KEY …` items of a CREATE
    TABLE's definition list: branch tables must not point at base tables (locks, and rows
    that only exist on the branch would not satisfy them)."""
    depth = 0
    items: list[tuple[int, int]] = []  # token index ranges of depth-1 items
    start = None
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
            if depth == 1:
                start = i + 1
                continue
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0 and start is not None:
                items.append((start, i))
                break
        elif tok.token_type == TokenType.COMMA and depth == 1 and start is not None:
            items.append((start, i))
            start = i + 1
    spans = []
    for n, (a, b) in enumerate(items):
        if a >= b:
            continue
        words = [_word(t) for t in tokens[a : min(b, a + 3)]]
        fk = [w.startswith("FOREIGN") for w in words]  # "FOREIGN KEY" may be one token
        if fk[0] or (words[0] == "CONSTRAINT" and any(fk[1:])):
            lo = tokens[a - 1].start if n > 0 else tokens[a].start  # include the comma before
            hi = tokens[b - 1].end + 1
            if n == 0 and b < len(tokens) and tokens[b].token_type == TokenType.COMMA:
                hi = tokens[b].end + 1
            spans.append((lo, hi))
    return spans
