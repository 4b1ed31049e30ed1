"""Put replacement text in place of table references, keeping the rest of the statement as is.

Pure text work over `refs.TableRef`s: a replaced reference keeps its alias (or gets its table name
as alias, so `t.col` still resolves), loses its index hints (a derived table takes none), and
`db.t.col` columns lose their `db.` (the alias has no schema).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from .refs import (
    TableRef,
    Unparseable,
    all_table_refs,
    locking_clause_spans,
    parse,
    qualified_columns,
    splice,
    tokenize,
)

Edit = tuple[int, int, str]


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def replacement_edits(tree: exp.Expression, replacements: list[tuple[TableRef, str]]) -> list[Edit]:
    """Edits that put each (reference, text) pair's text in place of the reference."""
    edits = reference_edits(replacements)
    edits.extend(db_prefix_fixes(tree, [r for r, _ in replacements]))
    return edits


def reference_edits(replacements: list[tuple[TableRef, str]]) -> list[Edit]:
    """`replacement_edits` without the `db.` fixes of columns (for callers that make them)."""
    edits: list[Edit] = []
    for ref, text in replacements:
        alias = "" if ref.alias else f" AS {quote_ident(ref.name)}"
        edits.append((ref.start, ref.end, text + alias))
        edits.extend((s, e, "") for s, e in ref.hint_spans)
    return edits


def db_prefix_fixes(tree: exp.Expression, replaced: list[TableRef]) -> list[Edit]:
    """Drop the `db.` of `db.table.col` columns whose table reference was replaced."""
    names = {(r.db, r.name) for r in replaced if r.alias is None}
    if not names:
        return []
    out: list[Edit] = []
    for col, ds, ts in qualified_columns(tree):
        table = col.args["table"].name
        if (col.args["db"].name, table) in names or (None, table) in names:
            out.append((ds, ts, ""))  # `FROM t … db.t.col`: the table's alias is now `t`
    return out


def rewrite_tables(
    sql: str,
    replace: Callable[[str | None, str], str | None],
    *,
    strip_locking: bool = True,
) -> str | None:
    """The statement with `replace(db, table)` text for each reference it returns text for;
    None when nothing was replaced. Raises `Unparseable`."""
    tokens = tokenize(sql)
    tree = parse(sql)
    pairs = []
    for ref in all_table_refs(tree, tokens):
        text = replace(ref.db, ref.name)
        if text is not None:
            pairs.append((ref, text))
    if not pairs:
        return None
    edits = replacement_edits(tree, pairs)
    if strip_locking:
        edits.extend((s, e, "") for s, e in locking_clause_spans(tokens))
    return splice(sql, edits)


__all__ = [
    "Unparseable",
    "db_prefix_fixes",
    "reference_edits",
    "replacement_edits",
    "rewrite_tables",
]
