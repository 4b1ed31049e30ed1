"""SQLAlchemy reflection of a branch after the Alembic upgrade equals that of the real copy.

MetaData().reflect() and the Inspector (tables, columns, indexes, FKs, PK, unique constraints)
run through the proxy on the branch and directly on the copy; ORMs and Alembic's autogenerate
see a database only through these calls.
"""

from __future__ import annotations

import pytest

from . import alembic_runner as alembic
from .reflect import reflected, reflection_differences
from .sides import Sides

pytestmark = pytest.mark.timeout(60)


def test_reflection_after_upgrade_matches_real_copy(alembic_sides: Sides) -> None:
    made = alembic_sides
    on_branch = alembic.run_alembic(made.branch, alembic.upgrade)
    assert on_branch.error is None, on_branch.describe("upgrade on the branch")
    want = reflected(made.copy)
    assert "addresses" in want["metadata"]  # the copy is at head: reflection has something new
    assert reflection_differences(reflected(made.branch), want) == []
    assert made.base_changes() == []
