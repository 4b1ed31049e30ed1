"""The copy-on-write differential test once more, with every statement prepared.

The statement generator of tests/cow/test_differential.py produces the sequence; each statement
has its literals turned into `?` parameters and runs through mysql-connector's prepared cursor
(COM_STMT_PREPARE/EXECUTE) on a branch via the proxy and on a real copy directly. Transaction
control (BEGIN/COMMIT/ROLLBACK/SAVEPOINT) stays text, as drivers send it; the `autocommit`
variant leaves it out. Every reply must be
identical (rows, affected rows, last insert id, warnings, error codes) and the base untouched.

BRANCHDB_DIFF_STATEMENTS (default 1000) sets the length, BRANCHDB_DIFF_SEED the seed.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import mysql.connector
import pytest

from .helpers import admin, branch, connector

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cow"))
try:  # the copy-on-write differential test's own generator, so both runs test the same thing
    from test_differential import (  # type: ignore[import-not-found]
        ORDER,
        SCHEMA_SQL,
        TABLES,
        Gen,
        seed_sql,
    )
except ImportError as exc:
    raise ImportError(
        "tests/prepared/test_differential_prepared.py reuses the statement generator of "
        "tests/cow/test_differential.py, which is missing"
    ) from exc

_TX = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
#: String literals, and numbers that are not part of a name nor an ORDER/GROUP BY position.
_LITERAL = re.compile(r"'(?:[^'\\]|''|\\.)*'|(?<![\w.])(?<!BY )\d+(?:\.\d+)?(?![\w.])")


def parametrize(sql: str) -> tuple[str, tuple[Any, ...]]:
    """`sql` with its literals replaced by `?`, and the values in order."""
    params: list[Any] = []

    def take(m: re.Match[str]) -> str:
        text = m.group(0)
        if text.startswith("'"):
            params.append(text[1:-1].replace("''", "'"))
        elif "." in text:
            params.append(float(text))
        else:
            params.append(int(text))
        return "?"

    return _LITERAL.sub(take, sql), tuple(params)


def test_parametrize() -> None:
    assert parametrize("SELECT * FROM items WHERE id = 5 AND code = 'c1' ORDER BY 1") == (
        "SELECT * FROM items WHERE id = ? AND code = ? ORDER BY 1",
        (5, "c1"),
    )
    assert parametrize("SAVEPOINT sp1") == ("SAVEPOINT sp1", ())
    assert parametrize("SELECT ROW_COUNT() >= -1") == ("SELECT ROW_COUNT() >= -?", (1,))


def run(conn: Any, sql: str) -> tuple[Any, ...]:
    """One statement, prepared unless it is transaction control; the normalised reply."""
    try:
        if _TX.match(sql):
            cur = conn.cursor()
            cur.execute(sql)
        else:
            text, params = parametrize(sql)
            cur = conn.cursor(prepared=True)
            cur.execute(text, params)
        if cur.description:
            rows = tuple(tuple(repr(v) for v in row) for row in cur.fetchall())
            reply: tuple[Any, ...] = ("rows", tuple(d[0] for d in cur.description), rows)
        else:
            reply = ("ok", cur.rowcount, cur.lastrowid, cur.warning_count)
        cur.close()
        return reply
    except mysql.connector.Error as e:
        return ("err", e.errno)


class NoTxGen(Gen):  # type: ignore[misc]
    """The same statements without transaction control (autocommit=1 only)."""

    def tx(self) -> str:
        return "SELECT 1"


def differential(
    upstream: Any, proxy: Any, base: str, seed: int, count: int, transactions: bool
) -> list[str]:
    rng = random.Random(seed)
    copy = base + "_copy"
    admin(upstream, f"USE `{base}`", *SCHEMA_SQL, *seed_sql(rng))
    admin(upstream, f"CREATE DATABASE `{copy}`")
    for t in TABLES:
        admin(
            upstream,
            f"CREATE TABLE `{copy}`.{t} LIKE `{base}`.{t}",
            f"INSERT INTO `{copy}`.{t} SELECT * FROM `{base}`.{t}",
        )
    admin(upstream, f"ALTER TABLE `{copy}`.items AUTO_INCREMENT = 121")
    checksum = f"CHECKSUM TABLE {', '.join(f'`{base}`.{t}' for t in TABLES)}"
    before = admin(upstream, checksum)
    problems: list[str] = []
    real = connector(upstream.host, upstream.port, upstream.user, upstream.password, copy)
    try:
        with branch(upstream, "all", prefix="diffps") as name:
            user = f"{upstream.user}~{name}"
            sess = connector(proxy.host, proxy.port, user, upstream.password, base)
            try:
                gen = Gen(rng) if transactions else NoTxGen(rng)
                for n in range(count):
                    sql = gen.stmt()
                    want = run(real, sql)
                    got = run(sess, sql)
                    if want != got:
                        problems.append(f"#{n} {sql}\n  copy:   {want}\n  branch: {got}")
                        if len(problems) >= 5:
                            break
                for t in TABLES:
                    sql = f"SELECT * FROM {t} ORDER BY {ORDER[t]}"
                    if run(real, sql) != run(sess, sql):
                        problems.append(f"final contents of {t} differ")
            finally:
                sess.close()
    finally:
        real.close()
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    after = admin(upstream, checksum)
    if before != after:
        problems.append(f"base changed: {before} -> {after}")
    return problems


@pytest.mark.parametrize(
    "transactions",
    [False, True],
    ids=["autocommit", "transactions"],
)
def test_differential_prepared(upstream: Any, proxy: Any, schema: str, transactions: bool) -> None:
    seed = int(os.environ.get("BRANCHDB_DIFF_SEED", "0")) or random.randrange(1, 10**9)
    count = int(os.environ.get("BRANCHDB_DIFF_STATEMENTS", "1000"))
    started = time.monotonic()
    problems = differential(upstream, proxy, schema, seed, count, transactions)
    elapsed = time.monotonic() - started
    assert not problems, f"seed {seed} ({count} statements, {elapsed:.1f}s):\n" + "\n".join(
        problems
    )
