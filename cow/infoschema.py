"""information_schema as a branch sees it (DESIGN §7).

In a read on a branch, each reference to an information_schema table that describes schema
objects is replaced by a derived table of two halves:

- base rows: every row except those of branchdb's schemas, of tables the branch changed, created,
  dropped or renamed (their overlay describes them), of tables the branch's mode hides, and of
  databases dropped on the branch;
- overlay rows: the rows of the branch's own tables, read from their overlay schema, with every
  schema-valued column (TABLE_SCHEMA, INDEX_SCHEMA, REFERENCED_TABLE_SCHEMA, …) and table name
  mapped back to the branch's names, and our tombstone triggers left out.

The branch's mapping goes into the SQL as small constant lists, so the server does the work set-
wise. Each table's column list is read from the server at engine start (`load_info_tables`):
MySQL 8 and MariaDB differ, and `_owner` is the one place that knows their naming.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokenizer_core import TokenType

from branchdb.sqlrewrite.refs import Unparseable, tokenize

from .catalog import BranchInfo
from .executor import Executor, quote_ident, quote_str, text
from .metadata_scope import (
    created_databases,
    dropped_databases,
    overlay_schema,
    shadowed,
    shown_tables,
    trigger_hidden,
)
from .naming import CATALOG_DB, OVERLAY_PREFIX, TOMB_PREFIX

_SYSTEM = ("information_schema", "mysql", "performance_schema", "sys")
#: Which column holds the schema, in order of preference, of the object a row describes.
_OWNER_SCHEMA = ("TABLE_SCHEMA", "EVENT_OBJECT_SCHEMA", "CONSTRAINT_SCHEMA", "SCHEMA_NAME")
_OWNER_TABLE = ("TABLE_NAME", "EVENT_OBJECT_TABLE")
#: Table-valued columns and the schema column each one is qualified by.
_TABLE_COLUMNS = {
    "EVENT_OBJECT_TABLE": ("EVENT_OBJECT_SCHEMA",),
    "REFERENCED_TABLE_NAME": ("REFERENCED_TABLE_SCHEMA", "UNIQUE_CONSTRAINT_SCHEMA"),
}
#: Columns holding SQL text that may name overlay schemas.
_SQL_TEXT_COLUMNS = frozenset({"VIEW_DEFINITION", "ACTION_STATEMENT"})


@dataclass(frozen=True)
class InfoTable:
    name: str  # as the server spells it (upper-case on both servers)
    columns: tuple[str, ...]
    schema_col: str  # the schema of the object a row describes
    table_col: str | None  # its table, when rows describe tables or their parts

    def is_schema_valued(self, col: str) -> bool:
        return col.endswith("_SCHEMA") or col == "SCHEMA_NAME"


async def load_info_tables(control: Executor) -> dict[str, InfoTable]:
    """The information_schema tables a branch rewrites, keyed by upper-case name."""
    res = await control.query(
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = 'information_schema' ORDER BY TABLE_NAME, ORDINAL_POSITION"
    )
    cols: dict[str, list[str]] = {}
    for row in res.rows:
        cols.setdefault(text(row[0]) or "", []).append(text(row[1]) or "")
    out = {}
    for name, names in cols.items():
        owner = _owner(name.upper(), tuple(c.upper() for c in names))
        if owner is not None:
            out[name.upper()] = InfoTable(name, tuple(names), *owner)
    return out


def _owner(name: str, cols: tuple[str, ...]) -> tuple[str, str | None] | None:
    """The (schema column, table column) naming the object each row describes; None for
    tables that describe no schema object (COLLATIONS, PROCESSLIST, …). Dialect notes: MySQL 8's
    CHECK_CONSTRAINTS has no TABLE_NAME (MariaDB's has); REFERENTIAL_CONSTRAINTS has
    CONSTRAINT_SCHEMA + TABLE_NAME on both; TRIGGERS names its table in EVENT_OBJECT_*."""
    if name.startswith(("INNODB_", "ROCKSDB_", "TOKUDB_")):
        return None
    schema = next((c for c in _OWNER_SCHEMA if c in cols), None)
    if schema is None:
        return None
    if name == "SCHEMATA":
        return schema, None
    if schema == "EVENT_OBJECT_SCHEMA":
        return schema, "EVENT_OBJECT_TABLE"
    table = next((c for c in _OWNER_TABLE if c in cols), None)
    return schema, table


def branch_table_sql(
    info: InfoTable, branch: BranchInfo, *, sql: str = "", flavor: str = "mariadb"
) -> str:
    """The derived-table text that stands for `information_schema.<info.name>` on `branch`
    (`sql`: the client's statement, whose spelling of column names MariaDB echoes)."""
    s = quote_ident(info.schema_col)
    t = quote_ident(info.table_col) if info.table_col else None
    src = f"information_schema.{quote_ident(info.name)}"
    spelled = column_spellings(sql, info) if flavor == "mariadb" and sql else {}
    names = ", ".join(
        f"{quote_ident(c)} AS {quote_ident(spelled[c])}" if c in spelled else quote_ident(c)
        for c in info.columns
    )
    base_where = [
        f"LEFT({s}, {len(OVERLAY_PREFIX)}) <> {_lit(OVERLAY_PREFIX)}",
        f"{s} <> {_lit(CATALOG_DB)}",
    ]
    dropped = sorted(dropped_databases(branch))
    if dropped:
        base_where.append(f"{s} NOT IN ({', '.join(_lit(d) for d in dropped)})")
    if t is not None:
        triggers = info.name.upper() == "TRIGGERS"
        hide = sorted(trigger_hidden(branch) if triggers else shadowed(branch))
        if hide:
            pairs = ", ".join(f"({_lit(d)}, {_lit(n)})" for d, n in hide)
            base_where.append(f"COALESCE(({s}, {t}) IN ({pairs}), 0) = 0")
        only = _mode_condition(branch, s, t)
        if only is not None:
            base_where.append(only)
    parts = [f"SELECT {names} FROM {src} WHERE {' AND '.join(base_where)}"]
    parts += _overlay_half(info, branch, src)
    return "(" + " UNION ALL ".join(parts) + ")"


def column_spellings(sql: str, info: InfoTable) -> dict[str, str]:
    """Column names of `info` that the statement spells in another letter case, as first spelled.

    Dialect note: MariaDB names a result column of an information_schema table as the client
    wrote it (`SELECT table_name` gives the header `table_name`), but a derived table's column as
    the derived table names it; MySQL 8 answers with the upper-case names either way. Aliasing the
    derived table's columns as the client spells them keeps MariaDB's headers (clients that read
    rows as dicts depend on them)."""
    wanted = {c.upper(): c for c in info.columns}
    out: dict[str, str] = {}
    try:
        tokens = tokenize(sql)
    except Unparseable:
        return out
    for tok in tokens:
        if tok.token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
            continue
        col = wanted.get(tok.text.upper())
        if col is not None and col not in out:
            out[col] = tok.text
    return {c: spelled for c, spelled in out.items() if spelled != c}


def _overlay_half(info: InfoTable, branch: BranchInfo, src: str) -> list[str]:
    """One SELECT per overlay schema: the server looks information_schema rows up by a schema
    named with `=` (measured on MariaDB 10.11 with 265 schemas: 0.2 ms), while an IN list or a
    row-constructor list of several names reads every schema (2.7 ms and growing)."""
    s = quote_ident(info.schema_col)
    shown = shown_tables(branch)
    schemas = {e.overlay_db: e.db for e in shown}
    created = {overlay_schema(branch, d): d for d in created_databases(branch)}
    schemas.update(created)
    wheres: list[str] = []
    if info.table_col is None:
        wheres = [f"{s} = {_lit(o)}" for o in sorted(created)]
    else:
        t = quote_ident(info.table_col)
        by_schema: dict[str, list[str]] = {}
        for e in shown:
            by_schema.setdefault(e.overlay_db, []).append(e.overlay_table)
        for ovdb, tables in sorted(by_schema.items()):
            where = f"{s} = {_lit(ovdb)} AND {t} IN ({', '.join(_lit(n) for n in tables)})"
            if info.name.upper() == "TRIGGERS":
                where += f" AND LEFT(`TRIGGER_NAME`, {len(TOMB_PREFIX)}) <> {_lit(TOMB_PREFIX)}"
            wheres.append(where)
    if not wheres:
        return []
    renamed = {(e.overlay_db, e.overlay_table): e.name for e in shown if e.overlay_table != e.name}
    select = []
    for col in info.columns:
        q = quote_ident(col)
        up = col.upper()
        if info.is_schema_valued(up):
            expr = _case(q, schemas, f"{OVERLAY_PREFIX}{branch.id}_")
        elif up in _SQL_TEXT_COLUMNS:
            expr = q
            for ovdb, db in schemas.items():
                expr = f"REPLACE({expr}, {_lit(quote_ident(ovdb))}, {_lit(quote_ident(db))})"
        elif renamed and (up == (info.table_col or "").upper() or up in _TABLE_COLUMNS):
            qualifier = info.schema_col if up == (info.table_col or "").upper() else None
            for cand in _TABLE_COLUMNS.get(up, ()):
                if cand in info.columns:
                    qualifier = cand
            expr = _renamed(q, quote_ident(qualifier), renamed) if qualifier else q
        else:
            select.append(q)
            continue
        select.append(f"{expr} AS {q}")
    return [f"SELECT {', '.join(select)} FROM {src} WHERE {where}" for where in wheres]


def _case(col: str, mapping: dict[str, str], head: str) -> str:
    """`col` with overlay schema names mapped to their databases: the known ones exactly, any
    other overlay of this branch (a foreign key into another database's overlay) by prefix."""
    other = f"IF(LEFT({col}, {len(head)}) = {_lit(head)}, SUBSTRING({col}, {len(head) + 1}), {col})"
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
    return f"CASE {col} {whens} ELSE {other} END" if whens else other


def _renamed(col: str, schema_col: str, renamed: dict[tuple[str, str], str]) -> str:
    whens = " ".join(
        f"WHEN {schema_col} = {_lit(d)} AND {col} = {_lit(t)} THEN {_lit(n)}"
        for (d, t), n in renamed.items()
    )
    return f"CASE {whens} ELSE {col} END"


def _mode_condition(branch: BranchInfo, s: str, t: str) -> str | None:
    """Which base tables the branch's mode shows: all (None), or in mode `empty` only the
    system schemas' tables and those the branch's filters name."""
    if branch.mode != "empty":
        return None
    keep = [f"{s} IN ({', '.join(_lit(d) for d in _SYSTEM)})"]
    for key in sorted(branch.filters):
        db, dot, name = key.rpartition(".")
        cond = f"{t} = {_lit(name)}"
        if dot:
            cond = f"({s} = {_lit(db)} AND {cond})"
        keep.append(cond)
    return "(" + " OR ".join(keep) + ")"


def _lit(value: str) -> str:
    """A string literal; plain quotes for simple names keep the server's own charset (the
    columns compared are utf8mb3 on MariaDB), hex for anything else."""
    if value and all(c.isascii() and (c.isalnum() or c in "_$ -.`") for c in value):
        return f"'{value}'"
    return quote_str(value)
