"""Row counts and index lists the read planner estimates with, cached per engine.

The planner picks its tombstone anti-join from the tombstone count and the base table's size
(readplan_estimate). Asking the server on every read would cost a round trip on the shared
control connection, so: the base's `information_schema.TABLES.TABLE_ROWS` and index leading
columns are kept for a minute, a tombstone table's COUNT(*) for `TOMB_TTL` seconds. Estimates
only steer speed: a stale one never changes a result.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass

from .executor import Executor, quote_str, text
from .tablemeta import qualified

TOMB_TTL = 2.0
SHAPE_TTL = 60.0


@dataclass(frozen=True)
class TableShape:
    rows: int
    #: Lower-case leading column -> index name (PRIMARY first).
    indexes: dict[str, str]


class ReadStats:
    def __init__(self, control: Executor, lock: asyncio.Lock) -> None:
        self.control = control
        self.lock = lock
        self._shapes: dict[tuple[str, str], tuple[float, TableShape]] = {}
        self._tombs: dict[tuple[str, str], tuple[float, int]] = {}

    async def shape(self, db: str, table: str) -> TableShape:
        key = (db, table)
        now = time.monotonic()
        hit = self._shapes.get(key)
        if hit is not None and now - hit[0] < SHAPE_TTL:
            return hit[1]
        where = f"TABLE_SCHEMA = {quote_str(db)} AND TABLE_NAME = {quote_str(table)}"
        async with self.lock:
            res = await self.control.query(
                f"SELECT TABLE_ROWS FROM information_schema.TABLES WHERE {where}"
            )
            idx = await self.control.query(
                "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS"
                f" WHERE {where} AND SEQ_IN_INDEX = 1 ORDER BY INDEX_NAME = 'PRIMARY' DESC,"
                " NON_UNIQUE, INDEX_NAME"
            )
        rows = int(text(res.rows[0][0]) or "0") if res.rows else 0
        indexes: dict[str, str] = {}
        for r in idx.rows:
            indexes.setdefault((text(r[1]) or "").lower(), text(r[0]) or "")
        shape = TableShape(rows, indexes)
        self._shapes[key] = (now, shape)
        return shape

    async def tomb_rows(self, db: str, table: str) -> int:
        key = (db, table)
        now = time.monotonic()
        hit = self._tombs.get(key)
        if hit is not None and now - hit[0] < TOMB_TTL:
            return hit[1]
        async with self.lock:
            res = await self.control.query(f"SELECT COUNT(*) FROM {qualified(db, table)}")
        count = int(text(res.rows[0][0]) or "0") if res.rows else 0
        self._tombs[key] = (now, count)
        return count


_BY_ENGINE: weakref.WeakKeyDictionary[object, ReadStats] = weakref.WeakKeyDictionary()


def stats_for(engine: object, control: Executor, lock: asyncio.Lock) -> ReadStats:
    """The one ReadStats of an engine (made on its first planned read)."""
    stats = _BY_ENGINE.get(engine)
    if stats is None:
        stats = _BY_ENGINE[engine] = ReadStats(control, lock)
    return stats
