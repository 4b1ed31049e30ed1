"""Fixtures of the migration tests: a seeded shared schema, its real copy and a branch of it.

`sides(seed)` seeds the test's schema directly on the shared server, fingerprints it, makes the
real copy and a fresh `all` branch; the copy and the branch are removed after the test, also when
it fails (the `schema` fixture drops the shared schema).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from prepared.helpers import branch

from . import alembic_runner as alembic
from .links import Target, direct, on_branch
from .realcopy import real_copy
from .seed import seed_shop_target
from .sides import MakeSides, Sides, fingerprint


@pytest.fixture
def sides(upstream: Any, proxy: Any, schema: str) -> Iterator[MakeSides]:
    with ExitStack() as stack:

        def make(seed: Callable[[Target], None]) -> Sides:
            base = direct(upstream, schema)
            seed(base)
            copy_name = stack.enter_context(real_copy(upstream, schema))
            name = stack.enter_context(branch(upstream, "all", prefix="mig"))
            return Sides(
                base=base,
                copy=direct(upstream, copy_name),
                branch=on_branch(proxy, upstream, name, schema),
                branch_name=name,
                base_before=fingerprint(base),
            )

        yield make


@pytest.fixture
def alembic_sides(sides: MakeSides) -> Sides:
    """The seeded shop, its branch, and its real copy already upgraded to head (must work)."""
    made = sides(seed_shop_target)
    on_copy = alembic.run_alembic(made.copy, alembic.upgrade)
    assert on_copy.error is None, on_copy.describe("upgrade on the real copy")
    return made
