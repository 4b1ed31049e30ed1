"""Alembic on a branch: upgrade, `alembic check` (reflection) and downgrade, against a real copy.

The shared shop (seed.py) is migrated through the proxy on a fresh `all` branch and, with the
same history, directly on a real copy. Afterwards every table's SHOW CREATE TABLE and rows, and
the table list, must be equal; the shared schema must be byte-for-byte what it was.
"""

from __future__ import annotations

import pytest

from . import alembic_runner as alembic
from .seed import seed_shop_target
from .sides import MakeSides, Sides

pytestmark = pytest.mark.timeout(60)


def test_upgrade_matches_real_copy(alembic_sides: Sides) -> None:
    made = alembic_sides
    on_branch = alembic.run_alembic(made.branch, alembic.upgrade)
    assert on_branch.error is None, on_branch.describe("upgrade on the branch")
    assert made.compare() == []
    assert made.base_changes() == []


def test_check_finds_no_difference_on_branch(alembic_sides: Sides) -> None:
    """`alembic check` reflects the branch: the head models must match what it sees."""
    made = alembic_sides
    on_copy = alembic.run_alembic(made.copy, alembic.check)
    assert on_copy.error is None, on_copy.describe("check on the real copy")
    on_branch = alembic.run_alembic(made.branch, alembic.upgrade)
    assert on_branch.error is None, on_branch.describe("upgrade on the branch")
    checked = alembic.run_alembic(made.branch, alembic.check)
    assert checked.error is None, checked.describe("check on the branch")
    assert made.base_changes() == []


def test_downgrade_to_base_matches_real_copy(alembic_sides: Sides) -> None:
    made = alembic_sides
    down_copy = alembic.run_alembic(made.copy, alembic.downgrade)
    assert down_copy.error is None, down_copy.describe("downgrade on the real copy")
    up = alembic.run_alembic(made.branch, alembic.upgrade)
    assert up.error is None, up.describe("upgrade on the branch")
    down = alembic.run_alembic(made.branch, alembic.downgrade)
    assert down.error is None, down.describe("downgrade on the branch")
    assert made.compare() == []
    assert made.base_changes() == []


def test_stepwise_upgrade_and_downgrade_match_real_copy(sides: MakeSides) -> None:
    """One revision per run, each on a new connection, as a developer migrates over days.

    Every run first reads the branch's alembic_version (a table the branch created, found through
    DESCRIBE in another session) and ends with an UPDATE of it; the branch must equal the real
    copy after every step, up and down.
    """
    made = sides(seed_shop_target)
    ups = [(f"upgrade {rev}", alembic.upgrade_to(rev)) for rev in alembic.REVISIONS]
    downs = [
        (f"downgrade {rev}", alembic.downgrade_to(rev))
        for rev in (*reversed(alembic.REVISIONS[:-1]), "base")
    ]
    for what, step in ups + downs:
        on_copy = alembic.run_alembic(made.copy, step)
        assert on_copy.error is None, on_copy.describe(f"{what} on the real copy")
        on_branch = alembic.run_alembic(made.branch, step)
        assert on_branch.error is None, on_branch.describe(f"{what} on the branch")
        assert made.compare() == [], f"after {what}"
    assert made.base_changes() == []
