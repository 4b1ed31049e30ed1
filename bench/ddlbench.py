"""Schema changes on a branch against the same change on a real copy (issue 5, point 5).

Why this shape: a user who wants a database to try a migration on compares a branch with a real
copy of the database, so every figure here is one of those two, measured in the same run:

1. a migrated database from scratch: a new branch (created when the proxy connection opens)
   plus `ALTER TABLE t ADD COLUMN …` through it, against CREATE TABLE … LIKE + INSERT … SELECT
   of the `--rows`-row table (1 M by default) plus the same ALTER;
2. ADD/RENAME/DROP COLUMN with `ALGORITHM=COPY` on both sides: what every server without INSTANT
   ALTER does, and what every non-instant change costs (a branch with 1,000 changed rows, so the
   table is `cow` with overlay rows and tombstones; the copy has the same 1,000 changes);
3. the same ALTERs with the server's default algorithm, which MariaDB runs INSTANT on an existing
   copy (only metadata changes), and a type change, which materializes the branch's table.

Then the branch's rows are compared with the copy's, and the base's CHECKSUM TABLE must be
unchanged. `python -m branchdb.bench ddl --rows 1000000` writes bench/results/ddl.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pymysql

from branchdb.bench.ddlreport import Pair, Results, render
from branchdb.bench.proxyproc import ProxyProcess, running_proxy
from branchdb.bench.target import Target, default_upstream_url

DEFAULT_SCHEMA = "bench_ddl"
REPEATS = 3
FORCE_COPY = ", ALGORITHM=COPY"
CHANGES = "UPDATE t SET a = a + 1 WHERE id <= 1000"
MIGRATION = "ALTER TABLE t ADD COLUMN c1 VARCHAR(32) DEFAULT 'x'"
CHECK = "SELECT * FROM t WHERE id IN (1, 999, 1000, 1001, 500000, {n}) ORDER BY id"
COUNT = "SELECT COUNT(*), SUM(k), SUM(LENGTH(c1)) FROM t"
MATERIALIZING = ("MODIFY k SMALLINT (materializes)", "ALTER TABLE t MODIFY k SMALLINT NOT NULL")


@dataclass(frozen=True)
class Schemas:
    """The base schema and the real copies beside it."""

    db: str  # the base the branches start from

    @property
    def copy(self) -> str:  # the copy the default-algorithm ALTERs run on
        return self.db + "_copy"

    @property
    def forced(self) -> str:  # the copy the ALGORITHM=COPY ALTERs run on
        return self.db + "_forced"

    @property
    def fresh(self) -> str:  # the copy made from scratch, once per run
        return self.db + "_fresh"


Conn: TypeAlias = "pymysql.connections.Connection[Any]"


def _mapped_steps() -> list[tuple[str, str]]:
    """(label, statement): each mapped change REPEATS times, on different columns, as a
    migration history would."""
    out = []
    for i in range(1, REPEATS + 1):
        out += [
            (
                "ADD COLUMN c VARCHAR(32) DEFAULT 'x'",
                f"ALTER TABLE t ADD COLUMN c{i} VARCHAR(32) DEFAULT 'x'",
            ),
            ("RENAME COLUMN", f"ALTER TABLE t RENAME COLUMN a{i - 1 or ''} TO a{i}"),
            ("DROP COLUMN", f"ALTER TABLE t DROP COLUMN b{i}"),
        ]
    return out


def _connect(target: Target, **kw: Any) -> Conn:
    return pymysql.connect(**target.pymysql_kwargs(), autocommit=True, **kw)


def _run(conn: Conn, sql: str) -> None:
    with conn.cursor() as cur:
        cur.execute(sql)


def _timed(conn: Conn, sql: str) -> float:
    started = time.perf_counter()
    _run(conn, sql)
    return time.perf_counter() - started


def _rows(conn: Conn, sql: str) -> tuple[Any, ...]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return tuple(cur.fetchall())


def _same(a: Conn, b: Conn, rows: int) -> bool:
    return all(_rows(a, q) == _rows(b, q) for q in (CHECK.format(n=rows), COUNT))


def _build(admin: Conn, names: Schemas, rows: int) -> None:
    base = names.db
    for db in (base, names.copy, names.forced):
        _run(admin, f"DROP DATABASE IF EXISTS `{db}`")
        _run(admin, f"CREATE DATABASE `{db}`")
    _run(
        admin,
        f"CREATE TABLE `{base}`.t (id INT PRIMARY KEY, a INT NOT NULL, b1 VARCHAR(32) NOT NULL,"
        " b2 VARCHAR(32) NOT NULL, b3 VARCHAR(32) NOT NULL, k INT NOT NULL, KEY (k))"
        " ENGINE=InnoDB",
    )
    version = str(_rows(admin, "SELECT VERSION()")[0][0])
    if "mariadb" in version.lower():
        source = f"SELECT seq AS n FROM `{base}`.seq_1_to_{rows}"
    else:  # MySQL 8: a recursive CTE counts instead of the sequence engine
        _run(admin, f"SET SESSION cte_max_recursion_depth = {rows + 1}")
        source = (
            f"WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows})"
            " SELECT n FROM s"
        )
    _run(
        admin,
        f"INSERT INTO `{base}`.t SELECT n, n % 1000, MD5(n), MD5(n + 1), MD5(n + 2), n % 97"
        f" FROM ({source}) AS src",
    )
    for db in (names.copy, names.forced):
        _run(admin, f"CREATE TABLE `{db}`.t LIKE `{base}`.t")
        _run(admin, f"INSERT INTO `{db}`.t SELECT * FROM `{base}`.t")


@contextmanager
def _on_branch(pp: ProxyProcess, db: str, branch: str, created: list[str]) -> Iterator[Conn]:
    """A proxy connection on `branch` (the proxy creates the branch as it opens)."""
    kwargs = pp.target.pymysql_kwargs() | {"user": f"{pp.target.user}~{branch}"}
    created.append(branch)
    conn = pymysql.connect(**kwargs, autocommit=True, database=db)
    try:
        yield conn
    finally:
        conn.close()


def _history(
    pp: ProxyProcess,
    upstream: Target,
    names: Schemas,
    copy_db: str,
    suffix: str,
    created: list[str],
    rows: int,
) -> tuple[dict[str, Pair], bool]:
    """The 1,000 changes, then every step on a new branch and on `copy_db`, interleaved."""
    pairs: dict[str, Pair] = {}
    steps = [(label + suffix, sql + suffix) for label, sql in _mapped_steps()]
    if not suffix:
        steps.append(MATERIALIZING)
    branch = f"ddlbench-{secrets.token_hex(3)}"
    with _on_branch(pp, names.db, branch, created) as on_branch:
        on_copy = _connect(upstream, database=copy_db)
        _run(on_branch, CHANGES)
        _run(on_copy, CHANGES)
        for label, sql in steps:
            pair = pairs.setdefault(label, Pair(label))
            pair.branch.append(_timed(on_branch, sql))
            pair.copy.append(_timed(on_copy, sql))
        same = _same(on_branch, on_copy, rows)
        on_copy.close()
    return pairs, same


def _from_scratch(
    pp: ProxyProcess, admin: Conn, names: Schemas, created: list[str], rows: int
) -> tuple[Pair, list[float], bool]:
    """A new branch + the migration, against a new copy of the table + the migration; and the
    copy's own share (CREATE … LIKE + INSERT … SELECT) of each run."""
    pair = Pair("new database with the migration")
    copying: list[float] = []
    same = True
    base, fresh = names.db, names.fresh
    for i in range(REPEATS):
        started = time.perf_counter()
        new = f"ddlbench-new-{secrets.token_hex(3)}"
        with _on_branch(pp, base, new, created) as on_branch:
            _run(on_branch, MIGRATION)
            pair.branch.append(time.perf_counter() - started)
            _run(admin, f"DROP DATABASE IF EXISTS `{fresh}`")
            started = time.perf_counter()
            _run(admin, f"CREATE DATABASE `{fresh}`")
            _run(admin, f"CREATE TABLE `{fresh}`.t LIKE `{base}`.t")
            _run(admin, f"INSERT INTO `{fresh}`.t SELECT * FROM `{base}`.t")
            copying.append(time.perf_counter() - started)
            _run(admin, f"USE `{fresh}`")
            _run(admin, MIGRATION)
            pair.copy.append(time.perf_counter() - started)
            if i == REPEATS - 1:
                same = _same(on_branch, admin, rows)
    return pair, copying, same


def run(upstream: Target, rows: int, out: Path, names: Schemas, drop_base: bool = False) -> str:
    load_before = os.getloadavg()[0]
    admin = _connect(upstream)
    started = time.perf_counter()
    _build(admin, names, rows)
    build_secs = time.perf_counter() - started
    before = _rows(admin, f"CHECKSUM TABLE `{names.db}`.t")
    created: list[str] = []
    try:
        with running_proxy(upstream) as pp:
            instant, same_instant = _history(pp, upstream, names, names.copy, "", created, rows)
            forced, same_forced = _history(
                pp, upstream, names, names.forced, FORCE_COPY, created, rows
            )
            fresh, copying, same_fresh = _from_scratch(pp, admin, names, created, rows)
        unchanged = _rows(admin, f"CHECKSUM TABLE `{names.db}`.t") == before
    finally:
        asyncio.run(_delete_branches(upstream, created))
        for db in (names.copy, names.forced, names.fresh, *([names.db] if drop_base else [])):
            _run(admin, f"DROP DATABASE IF EXISTS `{db}`")
    results = Results(
        rows=rows,
        build_secs=build_secs,
        server=str(_rows(admin, "SELECT VERSION()")[0][0]),
        load=(load_before, os.getloadavg()[0]),
        fresh=fresh,
        fresh_copying=copying,
        forced=list(forced.values()),
        instant=list(instant.values()),
        same=same_fresh and same_forced and same_instant,
        unchanged=unchanged,
    )
    admin.close()
    report = render(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    return report


async def _delete_branches(upstream: Target, names: list[str]) -> None:
    from branchdb.cow.catalog import CatalogError
    from branchdb.cow.executor import AioMysqlExecutor
    from branchdb.cow.lifecycle import Lifecycle

    control = await AioMysqlExecutor.connect(
        upstream.host, upstream.port, upstream.user, upstream.password
    )
    try:
        for name in names:
            try:
                await Lifecycle(control).delete(name, force=True)
            except CatalogError:
                pass  # its connection failed before the proxy created it
    finally:
        control.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m branchdb.bench ddl", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--upstream", default=default_upstream_url())
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ddl.md")
    parser.add_argument(
        "--schema", default=DEFAULT_SCHEMA, help="base schema (copies: <schema>_copy, …)"
    )
    parser.add_argument("--drop-schema", action="store_true", help="drop the base schema after")
    args = parser.parse_args(argv)
    upstream = Target.from_url(args.upstream)
    print(run(upstream, args.rows, args.out, Schemas(args.schema), args.drop_schema))
    return 0
