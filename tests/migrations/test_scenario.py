"""The release scenario in both branch modes, through SQLAlchemy/PyMySQL and prepared statements.

`empty`: the branch has no tables, the app creates `users` with an email column and Bob gets
id 1. `all`: the branch sees Alice; the app adds the email column and Bob gets id 2. The same app
run directly on a real copy of what the branch starts from must return the same thing, and the
shared database must keep Alice alone, without an email column.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest
from prepared.helpers import admin, branch

from .links import Target, direct, on_branch
from .realcopy import real_copy
from .scenario_apps import BOB, connector_app, sqlalchemy_app

pytestmark = pytest.mark.timeout(60)

App = Callable[[Target, str | None], dict[str, Any]]
EXPECTED: dict[str, dict[str, Any]] = {
    "all": {"insert_id": 2, "users": [[1, "Alice", None], [2, *BOB]]},
    "empty": {"insert_id": 1, "users": [[1, *BOB]]},
}


@pytest.mark.parametrize("mode", ["empty", "all"])
@pytest.mark.parametrize("app", [sqlalchemy_app, connector_app], ids=["sqlalchemy", "prepared"])
def test_scenario_on_branch_matches_real_copy(
    upstream: Any, proxy: Any, schema: str, mode: str, app: App
) -> None:
    admin(
        upstream,
        f"CREATE TABLE `{schema}`.users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255))",
        f"INSERT INTO `{schema}`.users (name) VALUES ('Alice')",
    )
    with ExitStack() as stack:
        if mode == "all":
            copy = stack.enter_context(real_copy(upstream, schema))
        else:
            copy = stack.enter_context(real_copy(upstream, schema, "empty"))
            admin(upstream, f"DROP TABLE `{copy}`.users")  # what an empty branch starts from
        real = app(direct(upstream, copy), None)
        name = stack.enter_context(branch(upstream, mode, prefix="feat-email"))
        got = app(on_branch(proxy, upstream, name, schema), name)
    assert real["columns"] == ["id", "name", "email"]
    assert {k: real[k] for k in ("insert_id", "users")} == EXPECTED[mode]
    assert got == real
    assert admin(upstream, f"SELECT id, name FROM `{schema}`.users") == [(1, "Alice")]
    columns = admin(upstream, f"SHOW COLUMNS FROM `{schema}`.users")
    assert [c[0] for c in columns] == ["id", "name"]
