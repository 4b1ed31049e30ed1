"""Which tables and databases a branch shows, and where each one's definition lives.

Shared by the SHOW/DESCRIBE answers (metadata.py) and the information_schema rewrite
(infoschema.py) so both present the same branch: a table changed on the branch is described by
its overlay table, a clean table by the base (unless the branch's mode hides it), a dropped one
not at all. Overlay schemas also hold tombstone tables, our triggers and empty pre-created
overlays of clean tables: only tables recorded in `BranchInfo.tables` count.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import BranchInfo, TableState
from .naming import overlay_db


@dataclass(frozen=True)
class Shown:
    """A table the branch shows from its overlay: branch name and overlay location."""

    db: str
    name: str
    overlay_db: str
    overlay_table: str


def branch_databases(branch: BranchInfo) -> dict[str, str]:
    """Databases created ("created") or dropped ("dropped") on the branch."""
    return branch.databases


def created_databases(branch: BranchInfo) -> list[str]:
    return sorted(d for d, s in branch_databases(branch).items() if s == "created")


def dropped_databases(branch: BranchInfo) -> set[str]:
    return {d for d, s in branch_databases(branch).items() if s == "dropped"}


def shown_tables(branch: BranchInfo, db: str | None = None) -> list[Shown]:
    """Tables the branch shows from overlays (changed or created), optionally of one db."""
    dropped = dropped_databases(branch)
    return [
        Shown(ts.base_db, ts.table, ts.overlay_db, ts.overlay_table)
        for ts in branch.tables.values()
        if ts.state != "dropped" and ts.base_db not in dropped and (db is None or ts.base_db == db)
    ]


def shadowed(branch: BranchInfo) -> set[tuple[str, str]]:
    """(db, name) of base tables whose base definition the branch does not show: every table
    recorded on the branch (its overlay stands for it, or it is dropped) and the base names
    (`base_key`) of tables renamed on the branch."""
    out = set(branch.tables)
    for ts in branch.tables.values():
        if ts.state != "created":
            out.add(_base_key(ts))
    return out


def trigger_hidden(branch: BranchInfo) -> set[tuple[str, str]]:
    """(db, name) of base tables whose triggers the branch does not show: those `shadowed`
    except tables changed in place (same name, same base rows), whose base triggers a real copy
    would still have. (They do not fire for the branch's own writes: the branch cannot run
    triggers; CREATE TRIGGER is refused on a branch.)"""
    kept = {
        key
        for key, ts in branch.tables.items()
        if ts.state in ("cow", "materialized") and _base_key(ts) == key
    }
    return shadowed(branch) - kept


def _base_key(ts: TableState) -> tuple[str, str]:
    key = getattr(ts, "base_key", None)  # catalog v2 (RENAME TABLE); the branch name before
    return key if isinstance(key, tuple) else (ts.base_db, ts.table)


def find(branch: BranchInfo, db: str, name: str) -> TableState | None:
    """The branch's record of `db.name` (names compare as the server's, case-sensitively)."""
    return branch.tables.get((db, name))


def overlay_schema(branch: BranchInfo, db: str) -> str:
    return overlay_db(branch.id, db)
