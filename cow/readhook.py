"""The engine's side of the read planner: describes each changed table of a read for
`readplan.plan_read` (from cached metadata and `readstats` estimates) and returns its SQL.

Kept out of engine.py so the engine's read path stays a few lines: parse, collect the naive
replacements, ask here, fall back to the naive splice when the planner declines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.tokenizer_core import Token

from branchdb.sqlrewrite.reads import quote_ident
from branchdb.sqlrewrite.refs import TableRef

from .catalog import BranchInfo
from .readplan import plan_read
from .readplan_model import DirtyTable
from .readstats import stats_for
from .storage import base_expr
from .tablemeta import qualified

if TYPE_CHECKING:
    from .engine import BranchEngine

#: Set False to relay every read of a changed table in the naive merged-view form.
ENABLED = True


async def planned_read(
    engine: BranchEngine,
    branch: BranchInfo,
    current_db: str | None,
    sql: str,
    tokens: list[Token],
    tree: exp.Expression,
    pairs: list[tuple[TableRef, str]],
) -> str | None:
    """The planner's SQL for this read, or None (use the naive replacements)."""
    if not ENABLED:
        return None
    dirty: dict[int, DirtyTable] = {}
    for ref, _ in pairs:
        db = ref.db or current_db
        if db is None:
            continue
        dt = await describe(engine, branch, db, ref.name)
        if dt is not None:
            dirty[ref.start] = dt
    if not dirty:
        return None
    return plan_read(sql, tokens, tree, pairs, dirty)


async def describe(
    engine: BranchEngine, branch: BranchInfo, db: str, name: str
) -> DirtyTable | None:
    """The planner's view of a `cow` table with a primary key (None: not one to split)."""
    ts = branch.tables.get((db, name))
    if ts is None or ts.state != "cow":
        return None
    base = await engine.meta(*ts.base_key)
    overlay = await engine.meta(ts.overlay_db, ts.overlay_table)
    if base is None or overlay is None or not base.primary_key:
        return None
    columns = tuple((c.name, base_expr(ts, base, c.name, "_bdb_b")) for c in overlay.columns)
    plain = {c: f"`_bdb_b`.{quote_ident(c)}" for c, _ in columns}
    if any(base_expr(ts, base, c, "_bdb_b") != plain.get(c) for c in base.primary_key):
        return None  # the branch renamed a key column: tombstones name base columns
    filt = engine.base_filter(branch, *ts.base_key)
    identity = (
        filt is None
        and ts.base_key == (db, name)
        and [c.name for c in overlay.columns] == [c.name for c in base.columns]
        and all(expr == plain[c] for c, expr in columns)
    )
    stats = stats_for(engine, engine.control, engine._lock)
    base_shape = await stats.shape(*ts.base_key)
    overlay_shape = await stats.shape(ts.overlay_db, ts.overlay_table)
    return DirtyTable(
        overlay=qualified(ts.overlay_db, ts.overlay_table),
        base=qualified(*ts.base_key),
        tomb=qualified(ts.overlay_db, ts.tomb_table),
        pk=base.primary_key,
        columns=columns,
        identity=identity,
        filter=filt,
        tomb_rows=await stats.tomb_rows(ts.overlay_db, ts.tomb_table),
        base_rows=base_shape.rows,
        unique_keys=base.unique_keys,
        indexed=frozenset(base_shape.indexes),
        overlay_indexes=tuple(overlay_shape.indexes.items()),
    )
