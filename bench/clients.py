"""Which client can load the server hard enough? Python drivers in processes vs the Go loadgen.

A load generator that saturates before the server does measures itself. This compares, directly
on the upstream, point selects by primary key from: PyMySQL, mysql-connector (pure Python; its C
extension is tried and reported if it does not load), each in one process per connection, and the
Go load generator. The fastest one is what `passthrough` uses.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pymysql

from branchdb.bench import dataset, loadgen, report
from branchdb.bench.target import Target, default_upstream_url

SCHEMA = "bench_clients"


def _c_extension_status() -> str:
    try:
        import _mysql_connector  # type: ignore[import-not-found]  # noqa: F401
    except ImportError as exc:
        return f"unavailable: {exc}"
    return "available"


def _connect(client: str, t: Target) -> Any:
    if client == "pymysql":
        return pymysql.connect(**t.pymysql_kwargs())
    import mysql.connector

    return mysql.connector.connect(
        host=t.host,
        port=t.port,
        user=t.user,
        password=t.password,
        use_pure=(client == "mysql-connector (pure)"),
    )


def _worker(args: tuple[str, Target, int, float, float, int]) -> tuple[int, float, list[float]]:
    """One process, one connection: point selects until the deadline, with their latencies."""
    client, t, rows, start_at, seconds, seed = args
    conn = _connect(client, t)
    cur = conn.cursor()
    rng = random.Random(seed)
    sql = f"SELECT c FROM {SCHEMA}.{dataset.TABLE} WHERE id=%s"
    while time.time() < start_at:
        time.sleep(0.001)
    lat: list[float] = []
    deadline = time.perf_counter() + seconds
    while True:
        q0 = time.perf_counter()
        if q0 >= deadline:
            break
        cur.execute(sql, (rng.randint(1, rows),))
        cur.fetchall()
        lat.append(time.perf_counter() - q0)
    conn.close()
    return len(lat), seconds, lat


def _python_run(
    client: str, t: Target, rows: int, conns: int, seconds: float
) -> tuple[float, float]:
    start_at = time.time() + 1.0  # let every process connect before the clock starts
    with mp.get_context("spawn").Pool(conns) as pool:
        outs = pool.map(_worker, [(client, t, rows, start_at, seconds, i) for i in range(conns)])
    total = sum(o[0] for o in outs)
    lat = sorted(x for o in outs for x in o[2])
    return total / seconds, lat[len(lat) // 2] * 1e6 if lat else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="branchdb bench clients", description=__doc__)
    p.add_argument("--upstream", default=default_upstream_url())
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--conns", default="1,8")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--out", default="bench/results/clients.md", help="'-' = print only")
    ns = p.parse_args(argv)
    t = Target.from_url(ns.upstream)
    dataset.ensure_table(t, SCHEMA, ns.rows)
    cext = _c_extension_status()
    clients = ["pymysql", "mysql-connector (pure)"]
    if cext == "available":
        clients.append("mysql-connector (C ext)")
    rows_out: list[list[str]] = []
    try:
        for conns in (int(c) for c in ns.conns.split(",")):
            go = loadgen.run(
                {"direct": t},
                mode="point",
                table=f"{SCHEMA}.{dataset.TABLE}",
                rows=ns.rows,
                conns=conns,
                slice_s=ns.seconds,
                rounds=1,
                warmup_s=0.5,
            )["direct"]
            figures = [("Go loadgen (go-sql-driver)", go.qps, go.p50_us)]
            for client in clients:
                qps, p50 = _python_run(client, t, ns.rows, conns, ns.seconds)
                figures.append((f"{client}, {conns} process(es)", qps, p50))
            for name, qps, p50 in figures:
                rows_out.append(
                    [
                        name,
                        str(conns),
                        report.num(qps),
                        report.num(p50),
                        report.ratio_str(qps / go.qps),
                    ]
                )
                print(f"[bench] {name} conns={conns}: {qps:,.0f} q/s", file=sys.stderr)
    finally:
        dataset.drop_schema(t, SCHEMA)
    text = "\n".join(
        [
            "# Load-generator clients: point select by PK, direct on the upstream",
            "",
            report.facts_list(
                report.machine_facts(
                    dataset.server_version(t),
                    [("mysql-connector C extension", cext), ("go", loadgen.go_version())],
                )
            ),
            "",
            report.table(["client", "conns", "q/s", "p50 µs", "q/s ÷ Go"], rows_out),
            "",
            "The fastest client is the one whose figures least reflect its own CPU cost; on a "
            "2-core box every client competes with the server for CPU, so the highest q/s wins.",
            "",
        ]
    )
    print(text)
    if ns.out != "-":
        Path(ns.out).parent.mkdir(parents=True, exist_ok=True)
        Path(ns.out).write_text(text)
    return 0
