"""The proxy behaves the same on the plain asyncio loop as on uvloop (asyncpg's habit of running
everything on both)."""

from __future__ import annotations

import secrets

import pytest
from support.upstream import Upstream


@pytest.mark.parametrize("loop_args", [(), ("--no-uvloop",)], ids=["uvloop", "asyncio"])
def test_relay_and_branch_on_each_loop(
    make_proxy,
    upstream: Upstream,
    schema: str,
    loop_args: tuple[str, ...],  # type: ignore[no-untyped-def]
) -> None:
    proxy = make_proxy(*loop_args)
    base = upstream.connect()
    with base.cursor() as cur:
        cur.execute(f"CREATE TABLE `{schema}`.t (id INT PRIMARY KEY, v INT)")
        cur.execute(f"INSERT INTO `{schema}`.t VALUES (1, 10), (2, 20)")
    base.commit()

    plain = proxy.connect(database=schema)
    with plain.cursor() as cur:
        cur.execute("SELECT SUM(v) FROM t")
        assert cur.fetchone() == (30,)
        cur.execute("SELECT REPEAT('x', 70000)")
        assert len(cur.fetchone()[0]) == 70000
    plain.close()

    branch = f"loop-{secrets.token_hex(3)}"
    on_branch = proxy.connect(user=f"{upstream.user}~{branch}", database=schema, autocommit=True)
    with on_branch.cursor() as cur:
        cur.execute("UPDATE t SET v = v + 1 WHERE id = 2")
        assert cur.rowcount == 1
        cur.execute("SELECT v FROM t ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == [10, 21]
    on_branch.close()
    with base.cursor() as cur:
        cur.execute(f"SELECT v FROM `{schema}`.t ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == [10, 20]
    base.close()
