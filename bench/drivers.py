"""Which asyncio MySQL driver should carry branchdb's own control connection?

The control connection runs many tiny statements (catalog lookups, small catalog writes in a
transaction, liveness pings), one after another, inside the proxy's event loop. So what matters
is per-statement latency and the CPU the driver burns in the loop (CPU the proxy then lacks for
relaying). Both are measured here for aiomysql and asyncmy, sequentially, on uvloop (what the
proxy runs) and on the stock asyncio loop, drivers interleaved in rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import aiomysql
import asyncmy
import uvloop

from branchdb.bench import dataset, report
from branchdb.bench.target import Target, default_upstream_url

DRIVERS = ("aiomysql", "asyncmy")
OPS = ("SELECT 1", "catalog row by key", "INSERT in a transaction")


@dataclass
class Tally:
    n: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    samples: list[float] = field(default_factory=list)

    def p50_us(self) -> float:
        return sorted(self.samples)[len(self.samples) // 2] * 1e6


async def _connect(driver: str, t: Target, schema: str) -> Any:
    kw: dict[str, Any] = {
        "host": t.host,
        "port": t.port,
        "user": t.user,
        "password": t.password,
        "db": schema,
        "autocommit": True,
    }
    if driver == "aiomysql":
        return await aiomysql.connect(**kw)
    return await asyncmy.connect(**kw)


def _ops(conn: Any, keys: int) -> dict[str, Callable[[int], Awaitable[None]]]:
    async def select1(i: int) -> None:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
            await cur.fetchall()

    async def by_key(i: int) -> None:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT id, name, parent_id, mode, created_at, expires_at, protected"
                " FROM branches WHERE name=%s",
                (f"branch-{i % keys}",),
            )
            await cur.fetchall()

    async def insert_tx(i: int) -> None:
        await conn.begin()
        async with conn.cursor() as cur:
            await cur.execute(
                "INSERT INTO events (branch_id, kind, detail) VALUES (%s, %s, %s)",
                (i % keys + 1, "touch", f"table t{i % 17}"),
            )
        await conn.commit()

    return {OPS[0]: select1, OPS[1]: by_key, OPS[2]: insert_tx}


async def _measure(
    t: Target, schema: str, n: int, rounds: int, keys: int
) -> dict[tuple[str, str], Tally]:
    conns = {d: await _connect(d, t, schema) for d in DRIVERS}
    tallies = {(d, op): Tally() for d in DRIVERS for op in OPS}
    per_round = max(1, n // rounds)
    try:
        for d in DRIVERS:  # warm-up: first queries pay for lazy imports and caches
            for fn in _ops(conns[d], keys).values():
                for i in range(50):
                    await fn(i)
        for r in range(rounds):
            order = DRIVERS if r % 2 == 0 else tuple(reversed(DRIVERS))
            for d in order:
                for op, fn in _ops(conns[d], keys).items():
                    tally = tallies[(d, op)]
                    c0, w0 = time.process_time(), time.perf_counter()
                    for i in range(r * per_round, (r + 1) * per_round):
                        q0 = time.perf_counter()
                        await fn(i)
                        tally.samples.append(time.perf_counter() - q0)
                    tally.wall += time.perf_counter() - w0
                    tally.cpu += time.process_time() - c0
                    tally.n += per_round
    finally:
        for c in conns.values():
            await c.ensure_closed()
    return tallies


def _setup(t: Target, schema: str, keys: int) -> None:
    import pymysql

    conn = pymysql.connect(**t.pymysql_kwargs(), autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{schema}`")
            cur.execute(f"CREATE DATABASE `{schema}`")
            cur.execute(
                f"CREATE TABLE `{schema}`.branches (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                " name VARCHAR(64) NOT NULL UNIQUE, parent_id BIGINT NULL,"
                " mode VARCHAR(16) NOT NULL, created_at DATETIME(6) NOT NULL,"
                " expires_at DATETIME(6) NULL, protected BOOL NOT NULL DEFAULT 0) ENGINE=InnoDB"
            )
            cur.execute(
                f"CREATE TABLE `{schema}`.events (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                " branch_id BIGINT NOT NULL, kind VARCHAR(16) NOT NULL,"
                " detail VARCHAR(255) NOT NULL, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))"
                " ENGINE=InnoDB"
            )
            cur.executemany(
                f"INSERT INTO `{schema}`.branches (name, mode, created_at)"
                " VALUES (%s, 'all', NOW(6))",
                [(f"branch-{i}",) for i in range(keys)],
            )
    finally:
        conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="branchdb bench drivers", description=__doc__)
    p.add_argument("--upstream", default=default_upstream_url())
    p.add_argument("-n", type=int, default=5000, help="queries per driver per operation")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    p.add_argument("--out", default="bench/results/drivers.md", help="'-' = print only")
    ns = p.parse_args(argv)
    t = Target.from_url(ns.upstream)
    schema = f"bench_drivers_{os.getpid()}"
    keys = 1000
    _setup(t, schema, keys)
    results: dict[str, dict[tuple[str, str], Tally]] = {}
    try:
        for loop in ("uvloop", "asyncio"):
            runner = uvloop.run if loop == "uvloop" else asyncio.run
            results[loop] = runner(_measure(t, schema, ns.n, ns.rounds, keys))
            print(f"[bench] drivers on {loop} done", file=sys.stderr, flush=True)
    finally:
        dataset.drop_schema(t, schema)
    rows: list[list[str]] = []
    for loop, tallies in results.items():
        for op in OPS:
            a, b = tallies[("aiomysql", op)], tallies[("asyncmy", op)]
            aw, bw = a.wall / a.n * 1e6, b.wall / b.n * 1e6
            ac, bc = a.cpu / a.n * 1e6, b.cpu / b.n * 1e6
            rows.append(
                [
                    loop,
                    op,
                    f"{aw:.0f} / {a.p50_us():.0f}",
                    f"{bw:.0f} / {b.p50_us():.0f}",
                    report.ratio_str(b.p50_us() / a.p50_us()),
                    f"{ac:.0f}",
                    f"{bc:.0f}",
                    report.ratio_str(bc / ac),
                ]
            )
    versions = ", ".join(f"{d} {metadata.version(d)}" for d in (*DRIVERS, "uvloop"))
    text = "\n".join(
        [
            "# Control-connection driver: aiomysql vs asyncmy",
            "",
            "One connection per driver, sequential statements, drivers interleaved in "
            f"{ns.rounds} rounds; {ns.n:,} of each operation per driver per loop. "
            "`INSERT in a transaction` is BEGIN + INSERT + COMMIT (three round trips); its wall "
            "time is dominated by the server's commit flush, so read its CPU column. "
            "Wall µs is the latency the proxy would wait; CPU µs is what the driver costs the "
            "proxy's process (and so its relaying) per statement. Same-run figures only.",
            "",
            report.facts_list(
                report.machine_facts(dataset.server_version(t), [("drivers", versions)])
            ),
            "",
            report.table(
                [
                    "loop",
                    "operation",
                    "aiomysql wall µs/op mean / p50",
                    "asyncmy wall µs/op mean / p50",
                    "p50 asyncmy÷aiomysql",
                    "aiomysql CPU µs/op",
                    "asyncmy CPU µs/op",
                    "CPU asyncmy÷aiomysql",
                ],
                rows,
            ),
            "",
        ]
    )
    print(text)
    if ns.out != "-":
        Path(ns.out).parent.mkdir(parents=True, exist_ok=True)
        Path(ns.out).write_text(text)
    return 0
