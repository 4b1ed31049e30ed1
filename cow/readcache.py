"""Remembered read plans: the same statement text on the same branch state is planned once.

Planning a read of a changed table (parse, table references, merged-view descriptions, the
planner) costs ~100 µs of Python per statement; the server answers a point lookup in less.
Applications repeat their statements, so the engine keeps the finished rewrite per (branch,
current database, statement text) and reuses it while nothing it depended on has changed: the
state of every table the statement names (a table made dirty, materialized, renamed, altered or
dropped since gives a different fingerprint), the branch's filters, and — so plans follow the
tombstone counts they were chosen from — at most `MAX_AGE` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from .catalog import BranchInfo
from .tablemeta import TableMeta

#: Seconds a plan is reused before it is made again from fresh estimates.
MAX_AGE = 2.0
#: Entries kept; the cache is emptied when it grows past this (plans are cheap to remake).
MAX_ENTRIES = 4096

Key = tuple[str, str | None, str]


@dataclass(frozen=True)
class CachedRead:
    sql: str | None  # the rewritten statement; None: pass the statement through unchanged
    tables: tuple[tuple[str, str], ...]  # every (db, table) the statement names
    fingerprint: Hashable
    made: float


class ReadCache:
    def __init__(self) -> None:
        self._entries: dict[Key, CachedRead] = {}

    def get(
        self, branch: BranchInfo, db: str | None, sql: str, metas: Mapping[tuple[str, str], object]
    ) -> CachedRead | None:
        hit = self._entries.get((branch.id, db, sql))
        if hit is None:
            return None
        if time.monotonic() - hit.made > MAX_AGE or hit.fingerprint != fingerprint(
            branch, hit.tables, metas
        ):
            del self._entries[(branch.id, db, sql)]
            return None
        return hit

    def put(
        self,
        branch: BranchInfo,
        db: str | None,
        sql: str,
        rewritten: str | None,
        tables: Iterable[tuple[str, str]],
        metas: Mapping[tuple[str, str], object],
    ) -> None:
        names = tuple(sorted(set(tables)))
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[(branch.id, db, sql)] = CachedRead(
            rewritten, names, fingerprint(branch, names, metas), time.monotonic()
        )

    def forget_branch(self, branch_id: str) -> None:
        self._entries = {k: v for k, v in self._entries.items() if k[0] != branch_id}


def fingerprint(
    branch: BranchInfo,
    tables: tuple[tuple[str, str], ...],
    metas: Mapping[tuple[str, str], object],
) -> Hashable:
    """What a plan of a statement naming `tables` depends on, cheaply comparable.

    The table metadata objects themselves are part of it (held, so a replaced one cannot pass
    for its successor by a reused id): the engine replaces them (forget_meta) whenever a table's
    definition changes, and equal objects describe the same columns anyway.
    """
    parts: list[Hashable] = [branch.mode, tuple(sorted(branch.filters.items()))]
    for key in tables:
        ts = branch.tables.get(key)
        if ts is None:
            parts.append(None)
            continue
        parts.append(
            (
                ts.state,
                ts.overlay_db,
                ts.overlay_table,
                ts.tomb_table,
                ts.base_key,
                tuple(sorted(ts.column_map.items())),
                metas.get((ts.overlay_db, ts.overlay_table)),
                metas.get(ts.base_key),
            )
        )
    return tuple(parts)


def cacheable(metas: Iterable[TableMeta | None]) -> bool:
    """Plans over branch views are remade every time (a view's text is read at plan time)."""
    return not any(m is not None and m.is_view for m in metas)
