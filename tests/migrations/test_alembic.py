"""Alembic on a branch: upgrade, `alembic check` (reflection) and downgrade, against a real copy.

The shared shop (seed.py) is migrated through the proxy on a fresh `all` branch and, with the
same history, directly on a real copy. Afterwards every table's SHOW CREATE TABLE and rows, and
the table list, must be equal; the shared schema must be byte-for-byte what it was.
"""

from __future__ import annotations

import pytest

from . import alembic_runner as alembic
from .conftest import MakeSides, Sides
from .links import Target
from .seed import seed_shop

pytestmark = pytest.mark.timeout(60)


def _seed(base: Target) -> None:
    conn = base.connect()
    try:
        seed_shop(conn, base.database)
    finally:
        conn.close()


def _upgraded(sides: MakeSides) -> Sides:
    """Seeded sides, with the real copy upgraded to head (that must always work)."""
    made = sides(_seed)
    on_copy = alembic.run_alembic(made.copy, alembic.upgrade)
    assert on_copy.error is None, on_copy.describe("upgrade on the real copy")
    return made


def test_upgrade_matches_real_copy(sides: MakeSides) -> None:
    made = _upgraded(sides)
    on_branch = alembic.run_alembic(made.branch, alembic.upgrade)
    assert on_branch.error is None, on_branch.describe("upgrade on the branch")
    assert made.compare() == []
    assert made.base_changes() == []


def test_check_finds_no_difference_on_branch(sides: MakeSides) -> None:
    """`alembic check` reflects the branch: the head models must match what it sees."""
    made = _upgraded(sides)
    on_copy = alembic.run_alembic(made.copy, alembic.check)
    assert on_copy.error is None, on_copy.describe("check on the real copy")
    on_branch = alembic.run_alembic(made.branch, alembic.upgrade)
    assert on_branch.error is None, on_branch.describe("upgrade on the branch")
    checked = alembic.run_alembic(made.branch, alembic.check)
    assert checked.error is None, checked.describe("check on the branch")
    assert made.base_changes() == []


def test_downgrade_to_base_matches_real_copy(sides: MakeSides) -> None:
    made = _upgraded(sides)
    down_copy = alembic.run_alembic(made.copy, alembic.downgrade)
    assert down_copy.error is None, down_copy.describe("downgrade on the real copy")
    up = alembic.run_alembic(made.branch, alembic.upgrade)
    assert up.error is None, up.describe("upgrade on the branch")
    down = alembic.run_alembic(made.branch, alembic.downgrade)
    assert down.error is None, down.describe("downgrade on the branch")
    assert made.compare() == []
    assert made.base_changes() == []
