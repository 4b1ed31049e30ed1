"""sysbench OLTP runs against each target, for figures comparable with other MySQL proxies.

The table is prepared once, directly on the upstream. Each (test, statement mode) pair runs
A B B A with half the time in each run, so a slow drift of the machine affects both targets
equally. Failures (say, the proxy not yet handling prepared statements) become a row saying so
rather than aborting the whole benchmark.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import pymysql

from branchdb.bench.target import Target

DEFAULT_SCHEMA = "bench_sysbench"


@dataclass(frozen=True)
class SysbenchResult:
    tps: float
    qps: float
    avg_ms: float
    p95_ms: float
    errors: float
    failure: str = ""


_PATTERNS = {
    "tps": re.compile(r"transactions:\s+\d+\s+\(([\d.]+) per sec"),
    "qps": re.compile(r"queries:\s+\d+\s+\(([\d.]+) per sec"),
    "avg_ms": re.compile(r"avg:\s+([\d.]+)"),
    "p95_ms": re.compile(r"95th percentile:\s+([\d.]+)"),
    "errors": re.compile(r"ignored errors:\s+\d+\s+\(([\d.]+) per sec"),
}


def available() -> str | None:
    return shutil.which("sysbench")


def version() -> str:
    exe = available()
    if exe is None:
        return "not installed"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def _common(target: Target, schema: str, rows: int) -> list[str]:
    return [
        "--db-driver=mysql",
        *target.sysbench_args(),
        f"--mysql-db={schema}",
        "--tables=1",
        f"--table-size={rows}",
    ]


def prepare(upstream: Target, schema: str, rows: int) -> None:
    """Create `schema`.sbtest1 directly on the upstream, reusing a complete one."""
    conn = pymysql.connect(**upstream.pymysql_kwargs(), autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{schema}`")
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA=%s AND TABLE_NAME='sbtest1'",
                (schema,),
            )
            row = cur.fetchone()
            if row is not None and row[0] == 1:
                cur.execute(f"SELECT COUNT(*), MAX(id) FROM `{schema}`.sbtest1")
                if cur.fetchone() == (rows, rows):
                    return
                cur.execute(f"DROP TABLE `{schema}`.sbtest1")
    finally:
        conn.close()
    exe = available()
    if exe is None:
        raise RuntimeError("sysbench is not installed")
    proc = subprocess.run(
        [exe, "oltp_read_only", *_common(upstream, schema, rows), "prepare"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"sysbench prepare failed: {proc.stderr or proc.stdout}")


def run_once(
    test: str, target: Target, *, schema: str, rows: int, threads: int, seconds: int, ps_mode: str
) -> SysbenchResult:
    exe = available()
    if exe is None:
        raise RuntimeError("sysbench is not installed")
    cmd = [
        exe,
        test,
        *_common(target, schema, rows),
        f"--threads={threads}",
        f"--time={seconds}",
        "--report-interval=0",
        f"--db-ps-mode={ps_mode}",
        "run",
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    except subprocess.TimeoutExpired:
        return _failed(f"timed out after {seconds + 60}s")
    if proc.returncode != 0:
        lines = (proc.stderr + proc.stdout).strip().splitlines()
        fatal = [ln for ln in lines if "FATAL" in ln or "error" in ln.lower()]
        return _failed((fatal or lines or ["no output"])[0][:200])
    found: dict[str, float] = {}
    for key, pattern in _PATTERNS.items():
        m = pattern.search(proc.stdout)
        if m is None:
            return _failed(f"cannot parse sysbench output ({key})")
        found[key] = float(m.group(1))
    return SysbenchResult(
        tps=found["tps"],
        qps=found["qps"],
        avg_ms=found["avg_ms"],
        p95_ms=found["p95_ms"],
        errors=found["errors"],
    )


def _failed(msg: str) -> SysbenchResult:
    nan = float("nan")
    return SysbenchResult(tps=nan, qps=nan, avg_ms=nan, p95_ms=nan, errors=nan, failure=msg)


def run_interleaved(
    test: str,
    targets: dict[str, Target],
    *,
    schema: str,
    rows: int,
    threads: int,
    seconds: int,
    ps_mode: str,
) -> dict[str, SysbenchResult]:
    """Give each target `seconds` in total, split A B B A when there is time for two halves."""
    names = list(targets)
    half = seconds // 2
    order = [*names, *reversed(names)] if half >= 1 else names
    each = half if half >= 1 else max(1, seconds)
    runs: dict[str, list[SysbenchResult]] = {n: [] for n in names}
    for name in order:
        runs[name].append(
            run_once(
                test,
                targets[name],
                schema=schema,
                rows=rows,
                threads=threads,
                seconds=each,
                ps_mode=ps_mode,
            )
        )
    return {name: _mean(results) for name, results in runs.items()}


def _mean(results: list[SysbenchResult]) -> SysbenchResult:
    failed = [r for r in results if r.failure]
    if failed:
        return failed[0]
    n = len(results)
    return SysbenchResult(
        tps=sum(r.tps for r in results) / n,
        qps=sum(r.qps for r in results) / n,
        avg_ms=sum(r.avg_ms for r in results) / n,
        # The mean of two p95s is not a p95; with equal-length halves it is a fair summary.
        p95_ms=sum(r.p95_ms for r in results) / n,
        errors=sum(r.errors for r in results) / n,
    )
