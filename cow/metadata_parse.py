"""The SHOW and DESCRIBE forms a branch answers itself, read from tokens (sqlglot models none).

Only the parts that name schema objects are picked out (which table, which database); the
rest of the statement (FULL, LIKE '…', WHERE …, a DESCRIBE column) is kept as raw text, so a
rewritten statement asks the server exactly what the client asked, of another object.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokenizer_core import Token, TokenType

from branchdb.sqlrewrite.refs import Unparseable, tokenize

#: SHOW forms that list the tables (or databases, triggers) of a schema.
LISTINGS = frozenset({"TABLES", "TABLE STATUS", "DATABASES", "TRIGGERS"})
#: Forms about one table (CREATE DATABASE keeps its database in `table`).
PER_TABLE = frozenset({"COLUMNS", "INDEX", "CREATE TABLE", "CREATE VIEW", "DESCRIBE"})

_FORM_WORDS = {
    "TABLES": "TABLES",
    "COLUMNS": "COLUMNS",
    "FIELDS": "COLUMNS",
    "INDEX": "INDEX",
    "INDEXES": "INDEX",
    "KEYS": "INDEX",
    "DATABASES": "DATABASES",
    "SCHEMAS": "DATABASES",
    "TRIGGERS": "TRIGGERS",
}
#: Words after EXPLAIN/DESCRIBE that make it an EXPLAIN of a statement, not of a table.
_EXPLAIN_WORDS = frozenset(
    {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "REPLACE",
        "WITH",
        "TABLE",
        "VALUES",
        "FORMAT",
        "EXTENDED",
        "PARTITIONS",
        "ANALYZE",
        "FOR",
        "(",
    }
)
_NAME_TYPES = frozenset({TokenType.IDENTIFIER, TokenType.VAR})
_LITERALS = frozenset({TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.NUMBER})


@dataclass(frozen=True)
class ShowStatement:
    form: (
        str  # TABLES | TABLE STATUS | DATABASES | TRIGGERS | COLUMNS | INDEX | CREATE … | DESCRIBE
    )
    head: str  # the statement's text up to and including the form's keywords ("SHOW FULL TABLES")
    db: str | None  # the database named (FROM db, or db.table), None: the current one
    table: str | None  # per-table forms: the table
    tail: str  # raw LIKE …/WHERE … (or DESCRIBE's column), "" if none
    where: bool  # the tail is a WHERE clause


def parse_show(sql: str) -> ShowStatement | None:
    """The statement's form and names, or None when it is not one of the forms above."""
    try:
        toks = [t for t in tokenize(sql) if t.token_type != TokenType.SEMICOLON]
    except Unparseable:
        return None
    if not toks:
        return None
    first = toks[0].text.upper()
    if first in ("DESC", "DESCRIBE", "EXPLAIN"):
        return _describe(sql, toks)
    if first != "SHOW":
        return None
    i = 1
    while i < len(toks) and toks[i].text.upper() in ("FULL", "EXTENDED"):
        i += 1
    if i >= len(toks):
        return None
    word = toks[i].text.upper()
    if word == "CREATE" and i + 1 < len(toks):
        kind = toks[i + 1].text.upper()
        if kind in ("DATABASE", "SCHEMA"):
            j = i + 2
            if j + 2 < len(toks) and [t.text.upper() for t in toks[j : j + 3]] == [
                "IF",
                "NOT",
                "EXISTS",
            ]:
                j += 3
            named = _name(toks, j, qualified=False)
            if named is None or named[2] != len(toks):
                return None
            head = _text(sql, toks[0], toks[j - 1])
            return ShowStatement("CREATE DATABASE", head, None, named[1], "", False)
        if kind not in ("TABLE", "VIEW"):
            return None
        named = _name(toks, i + 2)
        if named is None or named[2] != len(toks):
            return None
        return ShowStatement(
            f"CREATE {kind}", _text(sql, toks[0], toks[i + 1]), named[0], named[1], "", False
        )
    if word == "TABLE" and i + 1 < len(toks) and toks[i + 1].text.upper() == "STATUS":
        form, i = "TABLE STATUS", i + 2
    elif word in _FORM_WORDS:
        form, i = _FORM_WORDS[word], i + 1
    else:
        return None
    head = _text(sql, toks[0], toks[i - 1])
    db: str | None = None
    table: str | None = None
    if form in ("COLUMNS", "INDEX"):
        if i >= len(toks) or toks[i].text.upper() not in ("FROM", "IN"):
            return None
        named = _name(toks, i + 1)
        if named is None:
            return None
        db, table, i = named
    if form != "DATABASES" and i < len(toks) and toks[i].text.upper() in ("FROM", "IN"):
        named = _name(toks, i + 1, qualified=False)
        if named is None:
            return None
        _, db, i = named
    if i == len(toks):
        return ShowStatement(form, head, db, table, "", False)
    kw = toks[i].text.upper()
    if kw not in ("LIKE", "WHERE"):
        return None
    return ShowStatement(
        form, head, db, table, sql[toks[i].start :].rstrip(" \t\r\n;"), kw == "WHERE"
    )


def _describe(sql: str, toks: list[Token]) -> ShowStatement | None:
    if len(toks) < 2 or toks[1].text.upper() in _EXPLAIN_WORDS:
        return None
    named = _name(toks, 1)
    if named is None:
        return None
    db, table, i = named
    tail = sql[toks[i].start :].rstrip(" \t\r\n;") if i < len(toks) else ""
    return ShowStatement("DESCRIBE", toks[0].text, db, table, tail, False)


def _name(
    toks: list[Token], i: int, *, qualified: bool = True
) -> tuple[str | None, str, int] | None:
    """`name` or `db.name` at toks[i]: (db, name, index after it)."""
    if i >= len(toks) or not _is_name(toks[i]):
        return None
    if qualified and i + 2 < len(toks) and toks[i + 1].token_type == TokenType.DOT:
        if not _is_name(toks[i + 2]):
            return None
        return toks[i].text, toks[i + 2].text, i + 3
    return None, toks[i].text, i + 1


def _is_name(tok: Token) -> bool:
    """An identifier, or a keyword used as a bare name (a table called `status`)."""
    if tok.token_type in _NAME_TYPES:
        return True
    return tok.token_type not in _LITERALS and tok.text.replace("_", "").isalnum()


def _text(sql: str, first: Token, last: Token) -> str:
    return sql[first.start : last.end + 1]
