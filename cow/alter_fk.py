"""ALTER TABLE … ADD FOREIGN KEY on a branch: the check a real copy makes on existing rows.

The overlay's ALTER runs with foreign-key checks off (an overlay holds only changed rows, so its
own rows cannot be checked against it), but a real copy with `foreign_key_checks = 1` refuses
the new key (1452) when an existing child row has no parent. So the branch's view of the child
(base rows mapped, plus overlay) is searched for such a row against the branch's view of the
parent first, with a plain SELECT (a consistent read: no lock on base rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from .alter_actions import Action
from .catalog import BranchInfo
from .engine import BranchEngine
from .executor import quote_ident, text
from .outcome import EngineError, StatementContext
from .tablemeta import TableMeta, qualified


@dataclass(frozen=True)
class NewForeignKey:
    name: str | None
    columns: tuple[str, ...]
    parent_db: str | None
    parent: str
    parent_columns: tuple[str, ...]


def parse_foreign_key(sql: str, action: Action) -> NewForeignKey | None:
    """The key an `add_fk` action adds; None when sqlglot cannot read it (then unchecked)."""
    try:
        tree = sqlglot.parse_one("ALTER TABLE t " + sql[action.start : action.end], read="mysql")
    except (ParseError, TokenError):
        return None
    fk = tree.find(exp.ForeignKey)
    if fk is None:
        return None
    ref = fk.args.get("reference")
    schema = ref.this if isinstance(ref, exp.Reference) else None
    if not isinstance(schema, exp.Schema) or not isinstance(schema.this, exp.Table):
        return None
    constraint = fk.parent if isinstance(fk.parent, exp.Constraint) else None
    table = schema.this
    return NewForeignKey(
        name=constraint.this.name if constraint is not None else None,
        columns=tuple(e.name for e in fk.expressions),
        parent_db=table.args["db"].name if table.args.get("db") else None,
        parent=table.name,
        parent_columns=tuple(e.name for e in schema.expressions),
    )


async def check_new_foreign_keys(
    engine: BranchEngine,
    ctx: StatementContext,
    child_view: str,
    pre: TableMeta,
    keys: list[NewForeignKey],
    db: str,
    table: str,
) -> None:
    """Raise 1452 as a real copy would when a visible child row has no visible parent."""
    branch: BranchInfo = ctx.branch
    for key in keys:
        if len(key.columns) != len(key.parent_columns) or not key.columns:
            continue  # the server reports the malformed key itself
        if any(pre.column(c) is None for c in key.columns):
            continue  # a column the same ALTER adds: its default is all existing rows hold
        pdb = key.parent_db or db
        parent = await engine.read_text(branch, pdb, key.parent)
        if parent is None:
            parent = qualified(pdb, key.parent)
        match = " AND ".join(
            f"`_bdb_p`.{quote_ident(p)} = `_bdb_c`.{quote_ident(c)}"
            for c, p in zip(key.columns, key.parent_columns, strict=True)
        )
        present = " AND ".join(f"`_bdb_c`.{quote_ident(c)} IS NOT NULL" for c in key.columns)
        res = await engine.control.query(
            f"SELECT 1 FROM {child_view} AS `_bdb_c` WHERE {present} AND NOT EXISTS"
            f" (SELECT 1 FROM {parent} AS `_bdb_p` WHERE {match}) LIMIT 1"
        )
        if res.rows and text(res.rows[0][0]) is not None:
            cols = ", ".join(quote_ident(c) for c in key.columns)
            pcols = ", ".join(quote_ident(c) for c in key.parent_columns)
            name = f"CONSTRAINT {quote_ident(key.name)} " if key.name else ""
            raise EngineError(
                1452,
                "23000",
                "Cannot add or update a child row: a foreign key constraint fails"
                f" ({qualified(db, table)}, {name}FOREIGN KEY ({cols}) REFERENCES"
                f" {quote_ident(key.parent)} ({pcols}))",
            )
