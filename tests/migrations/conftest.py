"""Fixtures of the migration tests: a seeded shared schema, its real copy and a branch of it.

`sides(seed)` seeds the test's schema directly on the shared server, fingerprints it, makes the
real copy and a fresh `all` branch; all are removed after the test, also when it fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from prepared.helpers import branch

from . import alembic_runner as alembic
from .dbsnap import Snapshot, differences, reference_order, snapshot
from .links import Target, direct, on_branch
from .realcopy import real_copy
from .seed import seed_shop_target


@dataclass
class Sides:
    """The shared schema (`base`), its real copy and the branch, as connection targets."""

    upstream: Any
    base: Target
    copy: Target
    branch: Target
    branch_name: str
    base_before: Snapshot

    def base_fingerprint(self) -> Snapshot:
        conn = self.base.connect()
        try:
            order = reference_order(conn, self.base.database)
            return snapshot(conn, self.base.database, order_by=order, checksum=True)
        finally:
            conn.close()

    def base_changes(self) -> list[str]:
        """Differences between the shared schema now and before the test (must be none)."""
        return differences(self.base_fingerprint(), self.base_before, label="base now")

    def compare(self, columns: dict[str, str] | None = None) -> list[str]:
        """Every difference between the branch and the real copy, as readable lines."""
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


MakeSides = Callable[[Callable[[Target], None]], Sides]


@pytest.fixture
def sides(upstream: Any, proxy: Any, schema: str) -> Iterator[MakeSides]:
    with ExitStack() as stack:

        def make(seed: Callable[[Target], None], mode: str = "all") -> Sides:
            base = direct(upstream, schema)
            seed(base)
            copy_name = stack.enter_context(real_copy(upstream, schema))
            name = stack.enter_context(branch(upstream, mode, prefix="mig"))
            made = Sides(
                upstream,
                base,
                direct(upstream, copy_name),
                on_branch(proxy, upstream, name, schema),
                name,
                Snapshot(tables=[]),
            )
            made.base_before = made.base_fingerprint()
            return made

        yield make


@pytest.fixture
def alembic_sides(sides: MakeSides) -> Sides:
    """The seeded shop, its branch, and its real copy already upgraded to head (must work)."""
    made = sides(seed_shop_target)
    on_copy = alembic.run_alembic(made.copy, alembic.upgrade)
    assert on_copy.error is None, on_copy.describe("upgrade on the real copy")
    return made
