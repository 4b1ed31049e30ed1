"""The three databases every migration test looks at: the shared schema, its real copy, a branch.

`compare()` is the test's verdict (branch vs real copy: tables, SHOW CREATE TABLE, rows);
`base_changes()` proves the shared schema is what it was before the test (schema, rows,
CHECKSUM TABLE).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .dbsnap import Snapshot, differences, reference_order, snapshot
from .links import Target


def fingerprint(base: Target) -> Snapshot:
    """Tables, SHOW CREATE TABLE, rows and CHECKSUM TABLE of the shared schema, read directly."""
    conn = base.connect()
    try:
        order = reference_order(conn, base.database)
        return snapshot(conn, base.database, order_by=order, checksum=True)
    finally:
        conn.close()


@dataclass(frozen=True)
class Sides:
    """The shared schema (`base`), its real copy and the branch, as connection targets."""

    base: Target
    copy: Target
    branch: Target
    branch_name: str
    base_before: Snapshot

    def base_changes(self) -> list[str]:
        """Differences between the shared schema now and before the test (must be none)."""
        return differences(fingerprint(self.base), self.base_before, label="base now")

    def compare(self, columns: dict[str, str] | None = None) -> list[str]:
        """Every difference between the branch and the real copy, as readable lines.

        Tables are read in the copy's primary-key order; `columns` narrows select lists.
        """
        names = (self.base.database, self.copy.database)
        ref = self.copy.connect()
        try:
            order = reference_order(ref, self.copy.database)
            want = snapshot(ref, self.copy.database, order_by=order, columns=columns, names=names)
        finally:
            ref.close()
        conn = self.branch.connect()
        try:
            got = snapshot(conn, self.base.database, order_by=order, columns=columns, names=names)
        finally:
            conn.close()
        return differences(got, want)


#: `sides(seed)`: seed the shared schema with `seed(base)`, then copy it and branch it.
MakeSides = Callable[[Callable[[Target], None]], Sides]
