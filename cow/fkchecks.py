"""Foreign-key checks off around the engine's own writes to overlay tables.

Overlay tables carry the foreign keys of the tables they stand for, pointing at the branch's other
overlay tables, so metadata and reflection see them exactly as on a real copy. But an overlay
holds only the rows the branch changed: a child row whose parent is an unchanged base row has no
parent in the overlay. The engine therefore writes overlays with checks off and restores the
client's own setting afterwards (the same two statements on MySQL 8 and MariaDB).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .executor import Executor

_OFF = "SET @_bdb_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0"
_RESTORE = "SET SESSION foreign_key_checks = @_bdb_fkc"


@asynccontextmanager
async def fk_checks_off(executor: Executor) -> AsyncIterator[None]:
    """Run the body with foreign_key_checks = 0 on `executor`, then put the old value back."""
    await executor.query(_OFF)
    try:
        yield
    finally:
        await executor.query(_RESTORE)
