"""Django migrations on a branch: `migrate` and `migrate bdb_shop zero` against a real copy.

The shared database is at 0001 with rows (categories, customers, products); the branch applies
0002 to 0006 (a column with a default, an index, a M2M, a table with two FKs, a RunPython data
migration, a unique constraint, a column rename, a type change, a model rename) through the
proxy, the real copy directly. Tables, SHOW CREATE TABLE and rows must be equal (django_migrations
without its applied timestamps), and the shared schema unchanged.
"""

from __future__ import annotations

import pytest

from .django_runner import django_seed, migrate
from .sides import MakeSides, Sides

pytestmark = pytest.mark.timeout(90)

WITHOUT_TIMESTAMPS = {"django_migrations": "id, app, name"}


def _migrated(sides: MakeSides) -> Sides:
    made = sides(django_seed)
    on_copy = migrate(made.copy)
    assert on_copy.ok, on_copy.describe("the real copy")
    return made


def test_migrate_matches_real_copy(sides: MakeSides) -> None:
    made = _migrated(sides)
    on_branch = migrate(made.branch)
    assert on_branch.ok, on_branch.describe("the branch")
    assert made.compare(WITHOUT_TIMESTAMPS) == []
    assert made.base_changes() == []


def test_migrate_zero_matches_real_copy(sides: MakeSides) -> None:
    made = _migrated(sides)
    zero_copy = migrate(made.copy, "bdb_shop", "zero")
    assert zero_copy.ok, zero_copy.describe("the real copy")
    up = migrate(made.branch)
    assert up.ok, up.describe("the branch")
    zero = migrate(made.branch, "bdb_shop", "zero")
    assert zero.ok, zero.describe("the branch")
    assert made.compare(WITHOUT_TIMESTAMPS) == []
    assert made.base_changes() == []
