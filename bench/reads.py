"""Read overhead on a branch: branch ÷ base time of sixteen query shapes (issue 7 item 3).

Why: a branch's reads of a changed table merge the overlay with the base minus tombstones, and
a naive merge is catastrophic (DESIGN.md §5). This suite measures what the read planner makes
of it: on a 1 M-user / 2 M-order dataset, through a real `branchdb serve`, with 0, 1,000 and
10,000 changed `users` rows (and as many changed `orders` rows for the "2 dirty" queries),
each query timed on the base and on the branch alternately in the same run, and each branch
result checked against a real copy of the data with the same changes applied directly.

Usage: `python -m branchdb.bench reads [--rows 100000] [--reps 15] [--rebuild]`. The dataset
stays in schema `bdb_bench_reads` between runs; the copy schema is dropped at the end and the two
branches (`benchreads-<schema>-u`, `-uo`) are reset and kept for the next run (`--drop-schema`
deletes them and the dataset). `--commit REV` measures one exact commit instead of the working
tree. Exits 1 when any branch result differs from the copy's (or the branch errors).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pymysql

from branchdb.bench import readchanges, readcode, readdata, readmeasure, readreport
from branchdb.bench.proxyproc import running_proxy
from branchdb.bench.readbranches import BenchBranches
from branchdb.bench.readchanges import Focus
from branchdb.bench.readdata import Scale
from branchdb.bench.readqueries import Query, queries
from branchdb.bench.target import Target, default_upstream_url

SCHEMA = "bdb_bench_reads"
#: Times a level is measured again when someone else deletes a benchmark branch meanwhile.
ATTEMPTS = 5


def _log(msg: str) -> None:
    print(f"[bench reads {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _flavor(conn: Any) -> str:
    with conn.cursor() as cur:
        version = str(readdata.one(cur, "SELECT VERSION()"))
    return "mariadb" if "mariadb" in version.lower() else "mysql"


def default_levels(users: int) -> list[int]:
    """1,000 and 10,000 changed rows at 1 M users, scaled down (at least 20 / 200) for --rows."""
    first = max(20, round(1000 * users / 1_000_000))
    second = max(200, round(10_000 * users / 1_000_000))
    return [min(first, users // 10), min(second, users // 4)]


def _expected(copy_conn: Any, q: Query, schema: str) -> tuple[Any, ...]:
    orders = "orders" if q.two_dirty else f"`{schema}`.orders"
    _, rows = readmeasure.timed(copy_conn, q.sql(orgs=f"`{schema}`.orgs", orders=orders))
    return rows


def run(ns: argparse.Namespace) -> tuple[readreport.Results, int]:
    """Build or reuse the dataset, copy it, measure every level; the copy is always dropped."""
    upstream = Target.from_url(ns.upstream)
    scale = Scale(ns.rows)
    schema, copy = ns.schema, f"{ns.schema}_copy"
    levels = [int(x) for x in ns.changes.split(",")] if ns.changes else default_levels(ns.rows)
    load_before = os.getloadavg()[0]
    pool_before = None
    if ns.buffer_pool_mib:
        pool_before = readdata.set_buffer_pool(upstream, ns.buffer_pool_mib * 2**20)
        _log(f"buffer pool {pool_before // 2**20} -> {ns.buffer_pool_mib} MiB for this run")
    try:
        t0 = time.monotonic()
        built = readdata.ensure_dataset(upstream, schema, scale, ns.rebuild)
        _log(f"dataset {schema} {'built' if built else 'reused'} ({time.monotonic() - t0:.1f}s)")
        t0 = time.monotonic()
        readdata.make_copy(upstream, schema, copy)
        _log(f"real copy {copy} made ({time.monotonic() - t0:.1f}s)")
        before = readdata.checksums(upstream, schema)
        qs = queries(Focus(scale))
        cells, flavor, code, failures = _measure(ns, upstream, scale, levels, qs)
        header = _header(upstream, ns, scale, (flavor, code), load_before)
        if readdata.checksums(upstream, schema) == before:
            header.append("Base tables unchanged after the run (CHECKSUM TABLE before and after).")
        else:
            header.append("**BASE TABLES CHANGED during the run (CHECKSUM TABLE differs).**")
            print("\n!!! base tables changed during the run", file=sys.stderr)
            failures += 1
    finally:
        readdata.drop(upstream, copy)
        if pool_before is not None:
            readdata.set_buffer_pool(upstream, pool_before)
        if ns.drop_schema:
            readdata.drop(upstream, schema)
    return readreport.Results(header, [0, *levels], qs, cells, ns.timeout), failures


def _measure(
    ns: argparse.Namespace, upstream: Target, scale: Scale, levels: list[int], qs: list[Query]
) -> tuple[list[list[readmeasure.Cell]], str, str, int]:
    """Each level's changes applied to the copy and the branches, then every query measured.

    A level is measured again (branches rebuilt, changes replayed, a new proxy) when a branch
    was deleted by someone else while it ran.
    """
    schema = ns.schema
    cells: list[list[readmeasure.Cell]] = []
    failures = 0
    with ExitStack() as stack:
        direct = readdata.connect(upstream, schema)
        copy_conn = readdata.connect(upstream, f"{schema}_copy")
        stack.callback(direct.close)
        stack.callback(copy_conn.close)
        with direct.cursor() as cur:
            plan = readchanges.plan(cur, schema, Focus(scale), levels)
        flavor = _flavor(direct)
        limits = readmeasure.Limits(flavor, ns.timeout, max(ns.timeout, ns.check_timeout))
        readmeasure.set_timeout(direct, flavor, ns.timeout)
        cmd, code = stack.enter_context(readcode.branchdb_command(ns.commit))
        _log(f"measuring {code}")
        branches = BenchBranches(cmd, upstream, schema)
        stack.callback(branches.finish, not ns.drop_schema)
        branches.fresh()
        applied = 0  # change levels the branches hold
        for li, level in enumerate([0, *levels]):
            if li:
                _apply(plan[li - 1], scale, None, None, copy_conn)
            for attempt in range(1, ATTEMPTS + 1):
                if attempt > 1:
                    _log(f"a benchmark branch was deleted by someone else; level {level} again")
                    branches.fresh()
                    applied = 0
                with ExitStack() as level_stack:
                    proxy = level_stack.enter_context(
                        running_proxy(upstream, command=cmd, extra_args=ns.proxy_arg)
                    )
                    base, br_u, br_uo = (
                        _session(level_stack, proxy.target, schema, branch, limits)
                        for branch in (None, branches.users_only, branches.with_orders)
                    )
                    for done in plan[applied:li]:
                        _apply(done, scale, br_u, br_uo, None)
                    applied = li
                    row, bad = _level(qs, level, (base, br_u, br_uo, direct), copy_conn, ns, limits)
                if branches.all_there():
                    break
            else:
                raise SystemExit(f"bench reads: branches deleted {ATTEMPTS} times at level {level}")
            failures += bad
            cells.append(row)
    return cells, flavor, code, failures


def _session(
    stack: ExitStack, px: Target, schema: str, branch: str | None, limits: readmeasure.Limits
) -> Any:
    """A proxy connection, on `branch` (or none: the base), with the statement time limit."""
    user = px.user if branch is None else f"{px.user}~{branch}"
    conn = readdata.connect(px, schema, user=user)
    stack.callback(conn.close)
    readmeasure.set_timeout(conn, limits.flavor, limits.timeout)
    return conn


def _level(
    qs: list[Query],
    level: int,
    conns: tuple[Any, Any, Any, Any],
    copy_conn: Any,
    ns: argparse.Namespace,
    limits: readmeasure.Limits,
) -> tuple[list[readmeasure.Cell], int]:
    """Every query at one level: (cells, how many branch results were wrong or failed)."""
    base, br_u, br_uo, direct = conns
    row: list[readmeasure.Cell] = []
    bad = 0
    for q in qs:
        want = _expected(copy_conn, q, ns.schema)
        branch = br_uo if q.two_dirty else br_u
        cell, got = readmeasure.measure(q, base, branch, direct, want, ns.reps, limits)
        row.append(cell)
        _log(
            f"{readreport.label(level):>4} {q.name:<24} base {cell.base.median or 0:9.2f}"
            f" branch {cell.branch.median or 0:9.2f} ms  {cell.check}"
        )
        if cell.check in ("MISMATCH", "error"):
            bad += 1
            _loud(q, level, got, want, cell)
    return row, bad


def _apply(
    level: readchanges.Level, scale: Scale, br_u: Any | None, br_uo: Any | None, copy: Any | None
) -> None:
    """The same change statements on whichever of the branches and the copy are given."""
    t0 = time.monotonic()
    users = readchanges.users_sql(level.users, scale.orgs)
    orders = readchanges.orders_sql(level.orders)
    targets = [
        ("branch (users)", br_u, users),
        ("branch (users, orders)", br_uo, users + orders),
        ("real copy", copy, users + orders),
    ]
    for where, conn, statements in targets:
        if conn is None:
            continue
        with conn.cursor() as cur:
            try:
                readchanges.apply(cur, statements)
            except pymysql.MySQLError as exc:
                msg = f"bench reads: applying changes on the {where} failed: {exc}"
                raise SystemExit(msg) from exc
        _log(
            f"{where}: {level.users.count} users"
            + (f" + {level.orders.count} orders" if statements is not users else "")
            + f" changes applied ({level.total} per table in all), {time.monotonic() - t0:.1f}s"
        )


def _loud(q: Query, level: int, got: Any, want: tuple[Any, ...], cell: readmeasure.Cell) -> None:
    print(
        f"\n!!! {cell.check}: {q.name} with {level} changed rows\n    {q.sql()}\n"
        f"    branch error: {cell.branch.error or '-'}"
        f" (after {len(cell.branch.ms)} successful timed runs)\n"
        f"    branch rows ({'-' if got is None else len(got)}): {list(got or ())[:5]}\n"
        f"    copy rows ({len(want)}): {list(want)[:5]}\n",
        file=sys.stderr,
        flush=True,
    )


def _header(
    upstream: Target, ns: argparse.Namespace, scale: Scale, what: tuple[str, str], load: float
) -> list[str]:
    flavor, code = what
    conn = readdata.connect(upstream)
    try:
        with conn.cursor() as cur:
            version = readdata.one(cur, "SELECT VERSION()")
            pool = int(readdata.one(cur, "SELECT @@innodb_buffer_pool_size"))
    finally:
        conn.close()
    return [
        "# Reads on a branch: branch ÷ base (issue 7 item 3)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()},"
        f" {os.cpu_count()} CPUs, load {load:.1f} before / {os.getloadavg()[0]:.1f} after;"
        f" {version} ({flavor}), buffer pool {pool // 2**20} MiB"
        + (" (resized for this run, restored after)." if ns.buffer_pool_mib else "."),
        f"Code measured: {code}.",
        f"Data: users {scale.users:,}, orgs {scale.orgs:,}, orders {scale.orders:,}."
        f" {ns.reps} runs per target (3 when a run exceeds 2 s), alternating base and branch;"
        " base = same proxy without a branch, direct = no proxy. Each query's first branch run"
        f" (not timed) is checked against the real copy, under a {ns.check_timeout:g} s limit.",
        f"Command: `python -m branchdb.bench reads {shlex.join(ns.argv)}`",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="branchdb bench reads", description=__doc__)
    p.add_argument("--upstream", default=default_upstream_url(), help="mysql:// URL of the server")
    p.add_argument("--rows", type=int, default=1_000_000, help="users rows (orders 2x, orgs /100)")
    p.add_argument("--reps", type=int, default=15, help="timed runs per target and query")
    p.add_argument("--timeout", type=float, default=10.0, help="per-statement limit, seconds")
    p.add_argument(
        "--check-timeout",
        type=float,
        default=60.0,
        help="limit of the branch run whose result is checked, seconds",
    )
    p.add_argument(
        "--changes", default="", help="changed rows per level, e.g. 1000,10000 (default scaled)"
    )
    p.add_argument(
        "--buffer-pool-mib",
        type=int,
        default=0,
        help="resize the server's InnoDB buffer pool for the run (restored after); 0 = leave it",
    )
    p.add_argument("--schema", default=SCHEMA)
    p.add_argument("--rebuild", action="store_true", help="rebuild the dataset")
    p.add_argument("--drop-schema", action="store_true", help="drop the dataset when done")
    p.add_argument("--out", default="bench/results/reads.md", help="markdown ('-' = print only)")
    p.add_argument("--chart", default="bench/results/reads.png", help="PNG ('-' = none)")
    p.add_argument("--commit", default=None, help="measure this commit (default: working tree)")
    p.add_argument("--proxy-arg", action="append", default=[], help="extra `serve` argument")
    raw = list(sys.argv[1:] if argv is None else argv)
    ns = p.parse_args(raw)
    ns.argv = raw
    results, mismatches = run(ns)
    text = readreport.markdown(results)
    print(text)
    if ns.out != "-":
        Path(ns.out).parent.mkdir(parents=True, exist_ok=True)
        Path(ns.out).write_text(text)
        _log(f"wrote {ns.out}")
    if ns.chart != "-":
        readreport.chart(results, Path(ns.chart))
        _log(f"wrote {ns.chart}")
    if mismatches:
        print(
            f"\n!!! {mismatches} branch result(s) differ from the real copy or failed",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
