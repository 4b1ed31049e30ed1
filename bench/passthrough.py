"""Passthrough overhead: the same reads, directly on the upstream and through `branchdb serve`.

Why this shape: the proxy promises the no-branch path is a byte relay, so its cost is latency
added per round trip and CPU per query. A point select by primary key shows the round-trip cost,
a 1,000-row range select the relay cost of larger results, and 1/8/32 connections show how the
proxy scales on a machine whose two cores it shares with the server and the client. Targets are
interleaved slice by slice, in the same run, because on a small shared box run-to-run noise is
larger than the overhead being measured.

A third target, the relay floor (`floor.py`: a zero-logic uvloop relay), shows how much of the
proxy's cost any Python relay pays (extra sockets, syscalls, event loop) and so how much is
branchdb's own logic.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from branchdb.bench import dataset, floor, loadgen, report, sysbench
from branchdb.bench.loadgen import LoadResult
from branchdb.bench.proxyproc import ProxyProcess, running_proxy
from branchdb.bench.sysbench import SysbenchResult
from branchdb.bench.target import Target, default_upstream_url

DIRECT = "direct"
CONTROL = "direct-again"
FLOOR = "floor"


@dataclass
class Settings:
    upstream: Target
    other_url: str | None
    duration: float
    slice_s: float
    warmup: float
    conns: list[int]
    rows: int
    schema: str
    sysbench_time: int
    sysbench_threads: int
    sysbench_rows: int
    sysbench_schema: str
    ps_modes: list[str]
    out: Path | None
    drop_schema: bool
    control: bool
    floor: bool
    proxy_cmd: list[str] | None
    proxy_args: list[str]


@dataclass
class Cell:
    mode: str
    conns: int
    results: dict[str, LoadResult]
    proxy_cpu_us: float = float("nan")
    floor_cpu_us: float = float("nan")


@dataclass
class Outcome:
    label: str
    cells: list[Cell] = field(default_factory=list)
    sysbench: list[tuple[str, str, dict[str, SysbenchResult]]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--upstream", default=default_upstream_url(), help="mysql:// URL of the server")
    p.add_argument(
        "--target",
        default=None,
        help="compare against this mysql:// URL instead of starting the proxy "
        "(e.g. the upstream itself, to check the harness: direct vs direct)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=None,
        help="measured seconds per target per cell (default 6, quick 2)",
    )
    p.add_argument(
        "--slice",
        type=float,
        default=None,
        help="seconds per interleaved slice (default 1, quick 0.5)",
    )
    p.add_argument("--conns", default="1,8,32", help="client connection counts")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--schema", default="bench_passthrough")
    p.add_argument("--sysbench-schema", default=sysbench.DEFAULT_SCHEMA)
    p.add_argument("--drop-schema", action="store_true", help="drop both schemas when done")
    p.add_argument(
        "--sysbench-time",
        type=int,
        default=None,
        help="seconds per target per sysbench test (default 14, quick 2; 0 = skip)",
    )
    p.add_argument("--sysbench-threads", type=int, default=8)
    p.add_argument("--no-sysbench", action="store_true")
    p.add_argument(
        "--ps-modes",
        default="disable,auto",
        help="sysbench --db-ps-mode values to run (auto = prepared statements)",
    )
    p.add_argument("--quick", action="store_true", help="~1 minute smoke run")
    p.add_argument(
        "--no-control",
        action="store_true",
        help="skip the direct-again control target (measures the noise of the run itself)",
    )
    p.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the relay floor, a zero-logic uvloop relay (default on)",
    )
    p.add_argument(
        "--out",
        default="bench/results/passthrough.md",
        help="markdown file to write ('-' = print only)",
    )
    p.add_argument(
        "--proxy-cmd",
        default=None,
        help="command that runs the branchdb CLI (default: `branchdb` of this venv)",
    )
    p.add_argument(
        "--proxy-arg",
        action="append",
        default=[],
        help="extra argument for `branchdb serve` (repeatable)",
    )


def settings_from(ns: argparse.Namespace) -> Settings:
    quick = bool(ns.quick)
    duration = ns.duration if ns.duration is not None else (2.0 if quick else 6.0)
    slice_s = ns.slice if ns.slice is not None else (0.5 if quick else 1.0)
    slice_s = min(slice_s, duration)
    sb_time = ns.sysbench_time if ns.sysbench_time is not None else (2 if quick else 14)
    if ns.no_sysbench:
        sb_time = 0
    return Settings(
        upstream=Target.from_url(ns.upstream),
        other_url=ns.target,
        duration=duration,
        slice_s=slice_s,
        warmup=min(0.5, slice_s),
        conns=[int(c) for c in str(ns.conns).split(",") if c.strip()],
        rows=ns.rows,
        schema=ns.schema,
        sysbench_time=sb_time,
        sysbench_threads=ns.sysbench_threads,
        sysbench_rows=ns.rows,
        sysbench_schema=ns.sysbench_schema,
        ps_modes=[m for m in str(ns.ps_modes).split(",") if m],
        out=None if ns.out == "-" else Path(ns.out),
        drop_schema=bool(ns.drop_schema),
        control=not ns.no_control,
        floor=bool(ns.floor),
        proxy_cmd=shlex.split(ns.proxy_cmd) if ns.proxy_cmd else None,
        proxy_args=list(ns.proxy_arg),
    )


def _loadavg() -> str:
    """Other work on the machine skews both targets; the report says how busy it was."""
    return f"{os.getloadavg()[0]:.2f}"


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _floor_target(s: Settings) -> Iterator[ProxyProcess | None]:
    if not s.floor:
        yield None
        return
    with running_proxy(s.upstream, command=floor.COMMAND) as fp:
        _log(f"relay floor listening on {fp.target.host}:{fp.target.port}")
        yield fp


def _cpu_per_query(pp: ProxyProcess, cpu0: float, r: LoadResult, warmup: float) -> float:
    """CPU of a relay process over a cell, per query it served (warm-up included, roughly)."""
    pp.check_alive()
    return (pp.cpu_seconds() - cpu0) / (r.queries + r.qps * warmup) * 1e6


@contextlib.contextmanager
def _other_target(s: Settings) -> Iterator[tuple[str, Target, ProxyProcess | None]]:
    if s.other_url is not None:
        yield "target", Target.from_url(s.other_url), None
        return
    with running_proxy(s.upstream, command=s.proxy_cmd, extra_args=s.proxy_args) as pp:
        _log(f"proxy listening on {pp.target.host}:{pp.target.port}")
        yield "proxy", pp.target, pp


def run(s: Settings) -> Outcome:
    load_before = _loadavg()
    _log(f"preparing {s.schema}.{dataset.TABLE} ({s.rows:,} rows)")
    t0 = time.monotonic()
    created = dataset.ensure_table(s.upstream, s.schema, s.rows)
    _log(f"table {'created' if created else 'reused'} in {time.monotonic() - t0:.1f}s")
    loadgen.build()
    if s.sysbench_time > 0:
        if sysbench.available() is None:
            raise RuntimeError("sysbench is not installed (use --no-sysbench to skip it)")
        _log(f"preparing {s.sysbench_schema}.sbtest1 (direct)")
        sysbench.prepare(s.upstream, s.sysbench_schema, s.sysbench_rows)
    try:
        with _other_target(s) as (label, other, pp), _floor_target(s) as fp:
            out = Outcome(label=label)
            proxy, floor_proc = pp, fp
            targets = {DIRECT: s.upstream, label: other}
            if fp is not None:
                targets[FLOOR] = fp.target
            cell_targets = dict(targets)
            if s.control:
                cell_targets[CONTROL] = s.upstream
            rounds = max(1, round(s.duration / s.slice_s))
            for mode in ("point", "range"):
                for conns in s.conns:
                    cpu0 = pp.cpu_seconds() if pp else math.nan
                    fcpu0 = fp.cpu_seconds() if fp else math.nan
                    res = loadgen.run(
                        cell_targets,
                        mode=mode,
                        table=f"{s.schema}.{dataset.TABLE}",
                        rows=s.rows,
                        conns=conns,
                        slice_s=s.slice_s,
                        rounds=rounds,
                        warmup_s=s.warmup,
                    )
                    cell = Cell(mode=mode, conns=conns, results=res)
                    if pp is not None:
                        cell.proxy_cpu_us = _cpu_per_query(pp, cpu0, res[label], s.warmup)
                    if fp is not None:
                        cell.floor_cpu_us = _cpu_per_query(fp, fcpu0, res[FLOOR], s.warmup)
                    for name, r in res.items():
                        if r.errors:
                            raise RuntimeError(
                                f"{name}: {r.errors} errors in {mode}/{conns}: {r.first_error}"
                            )
                    _log(
                        f"{mode:5} conns={conns:<3} "
                        + "  ".join(
                            f"{n}: {r.qps:,.0f} q/s p50 {r.p50_us:.0f}us" for n, r in res.items()
                        )
                    )
                    out.cells.append(cell)
            if s.sysbench_time > 0:
                for test in ("oltp_point_select", "oltp_read_only"):
                    for ps in s.ps_modes:
                        sb = sysbench.run_interleaved(
                            test,
                            targets,
                            schema=s.sysbench_schema,
                            rows=s.sysbench_rows,
                            threads=s.sysbench_threads,
                            seconds=s.sysbench_time,
                            ps_mode=ps,
                        )
                        _log(
                            f"sysbench {test} ps={ps} "
                            + "  ".join(f"{n}: {r.tps:,.0f} tps {r.failure}" for n, r in sb.items())
                        )
                        out.sysbench.append((test, ps, sb))
                if pp is not None:
                    pp.check_alive()
                if fp is not None:
                    fp.check_alive()
            out.facts = report.machine_facts(
                dataset.server_version(s.upstream),
                [
                    (
                        "client",
                        "Go load generator (bench/go/loadgen.go, go-sql-driver/mysql, "
                        "text protocol via interpolateParams) — see clients.md",
                    ),
                    ("go", loadgen.go_version()),
                    ("sysbench", sysbench.version()),
                    ("load average (1 min) before / after", f"{load_before} / {_loadavg()}"),
                    ("branchdb revision", report.source_revision()),
                    ("upstream", s.upstream.url),
                    (label, shlex.join(pp.command) if pp else str(s.other_url)),
                    *([(FLOOR, shlex.join(fp.command))] if fp else []),
                    (
                        "schedule",
                        f"{s.duration:g}s measured per target per cell, slices of "
                        f"{s.slice_s:g}s alternating A B / B A, {s.warmup:g}s warm-up; "
                        f"sysbench {s.sysbench_time}s per target per test (A B B A)",
                    ),
                ],
            )
        if proxy is not None:
            out.notes.append(f"Proxy exit status after SIGTERM: {proxy.exit_code} (0 = graceful).")
        if floor_proc is not None:
            out.notes.append(f"Relay floor exit status after SIGTERM: {floor_proc.exit_code}.")
        return out
    finally:
        if s.drop_schema:
            dataset.drop_schema(s.upstream, s.schema)
            if s.sysbench_time > 0:
                dataset.drop_schema(s.upstream, s.sysbench_schema)


def _control(c: Cell) -> str:
    ctl = c.results.get(CONTROL)
    if ctl is None:
        return "n/a"
    d = c.results[DIRECT]
    return (
        f"{report.ratio_str(report.ratio(ctl.qps, d.qps))} / "
        f"{report.ratio_str(report.ratio(ctl.p50_us, d.p50_us))}"
    )


def _workload(c: Cell) -> str:
    return "point select (PK)" if c.mode == "point" else "range select (1,000 rows)"


def _floor_columns(c: Cell) -> list[str]:
    d, f = c.results[DIRECT], c.results[FLOOR]
    return [
        report.num(f.qps),
        report.ratio_str(report.ratio(f.qps, d.qps)),
        report.num(f.p50_us),
        report.ratio_str(report.ratio(f.p50_us, d.p50_us)),
    ]


def _floor_section(out: Outcome) -> list[str]:
    """What any Python relay pays (floor vs direct) beside what branchdb adds on top of it."""
    b = out.label
    rows: list[list[str]] = []
    for c in out.cells:
        d, p, f = c.results[DIRECT], c.results[b], c.results[FLOOR]
        proxy_added, floor_added = p.p50_us - d.p50_us, f.p50_us - d.p50_us
        rows.append(
            [
                _workload(c),
                str(c.conns),
                report.ratio_str(report.ratio(f.qps, d.qps)),
                report.ratio_str(report.ratio(p.qps, d.qps)),
                report.ratio_str(report.ratio(p.qps, f.qps)),
                f"{floor_added:+.0f}",
                f"{proxy_added - floor_added:+.0f}",
                report.num(c.floor_cpu_us, 1),
                report.num(c.proxy_cpu_us, 1),
            ]
        )
    return [
        "## Relay floor: what any Python relay costs",
        "",
        f"`floor` is `bench/floor.py`: asyncio Protocols on uvloop, each `data_received` "
        f"written to the other side's transport, nothing else. Its distance from direct is the "
        f"cost of relaying at all in Python (two more sockets, a syscall per read and write, an "
        f"event loop turn); the distance from floor to {b} is branchdb's own logic.",
        "",
        report.table(
            [
                "workload",
                "conns",
                "floor÷direct q/s",
                f"{b}÷direct q/s",
                f"{b}÷floor q/s",
                "p50 µs added by floor (vs direct)",
                f"p50 µs added by {b} over floor",
                "floor CPU µs/query",
                f"{b} CPU µs/query",
            ],
            rows,
        ),
        "",
    ]


def render(out: Outcome) -> str:
    b = out.label
    has_floor = bool(out.cells) and FLOOR in out.cells[0].results
    rows: list[list[str]] = []
    for c in out.cells:
        d, p = c.results[DIRECT], c.results[b]
        name = _workload(c)
        rows.append(
            [
                name,
                str(c.conns),
                report.num(d.qps),
                report.num(p.qps),
                report.ratio_str(report.ratio(p.qps, d.qps)),
                report.paired_spread(d.slice_qps, p.slice_qps),
                report.num(d.p50_us),
                report.num(p.p50_us),
                report.ratio_str(report.ratio(p.p50_us, d.p50_us)),
                report.num(d.p99_us),
                report.num(p.p99_us),
                report.ratio_str(report.ratio(p.p99_us, d.p99_us)),
                report.num(c.proxy_cpu_us, 1),
                _control(c),
                *(_floor_columns(c) if has_floor else []),
            ]
        )
    parts = [
        f"# branchdb passthrough benchmark: direct vs {b}",
        "",
        "Figures come from ONE run with the two targets interleaved; compare ratios inside this "
        "file only, never with another run or machine.",
        "",
        report.facts_list(out.facts),
        "",
        "## Own workloads (Go client, one connection per client thread)",
        "",
        report.table(
            [
                "workload",
                "conns",
                "direct q/s",
                f"{b} q/s",
                f"q/s ratio {b}÷direct",
                "paired slices: q/s ratio median (min..max)",
                "direct p50 µs",
                f"{b} p50 µs",
                "p50 ratio",
                "direct p99 µs",
                f"{b} p99 µs",
                "p99 ratio",
                f"{b} CPU µs/query",
                "control: direct-again÷direct q/s / p50",
                *(
                    [
                        "floor q/s",
                        "q/s ratio floor÷direct",
                        "floor p50 µs",
                        "p50 ratio floor÷direct",
                    ]
                    if has_floor
                    else []
                ),
            ],
            rows,
        ),
        "",
    ]
    one = next((c for c in out.cells if c.mode == "point" and c.conns == 1), None)
    if one is not None:
        added = one.results[b].p50_us - one.results[DIRECT].p50_us
        parts += [
            f"**Added p50 latency, point select, 1 connection: {added:.0f} µs** "
            f"({one.results[DIRECT].p50_us:.0f} → {one.results[b].p50_us:.0f} µs).",
        ]
        ctl = one.results.get(CONTROL)
        if ctl is not None:
            parts.append(
                f"The same direct target measured again, interleaved in the same cell, differs "
                f"by {ctl.p50_us - one.results[DIRECT].p50_us:+.0f} µs: that is the noise floor."
            )
        flo = one.results.get(FLOOR)
        if flo is not None:
            parts.append(
                f"The zero-logic relay floor adds {flo.p50_us - one.results[DIRECT].p50_us:.0f} "
                f"µs of it: any Python relay pays that; branchdb's own logic is the remaining "
                f"{one.results[b].p50_us - flo.p50_us:.0f} µs."
            )
        parts.append("")
    if has_floor:
        parts += _floor_section(out)
    if out.sysbench:
        sb_floor = FLOOR in out.sysbench[0][2]
        sb_rows: list[list[str]] = []
        for test, ps, res in out.sysbench:
            sd, sp = res[DIRECT], res[b]
            mode = "text (ps disabled)" if ps == "disable" else f"prepared ({ps})"
            note = "; ".join(f"{n}: {r.failure}" for n, r in res.items() if r.failure)
            sb_rows.append(
                [
                    test,
                    mode,
                    report.num(sd.tps),
                    report.num(sp.tps),
                    report.ratio_str(report.ratio(sp.tps, sd.tps)),
                    report.num(sd.qps),
                    report.num(sp.qps),
                    report.ratio_str(report.ratio(sp.qps, sd.qps)),
                    report.num(sd.p95_ms, 2),
                    report.num(sp.p95_ms, 2),
                    *(
                        [
                            report.num(res[FLOOR].tps),
                            report.ratio_str(report.ratio(res[FLOOR].tps, sd.tps)),
                        ]
                        if sb_floor
                        else []
                    ),
                    note or "",
                ]
            )
        parts += [
            "## sysbench",
            "",
            report.table(
                [
                    "test",
                    "statements",
                    "direct tps",
                    f"{b} tps",
                    f"tps ratio {b}÷direct",
                    "direct qps",
                    f"{b} qps",
                    "qps ratio",
                    "direct p95 ms",
                    f"{b} p95 ms",
                    *(["floor tps", "tps ratio floor÷direct"] if sb_floor else []),
                    "notes",
                ],
                sb_rows,
            ),
            "",
        ]
    parts += [
        "Ratios: throughput ratio below 1 and latency ratio above 1 mean the proxy costs. "
        f"`{b} CPU µs/query` is the proxy process's user+system CPU divided by the queries it "
        "served in that cell (approximate: it includes warm-up). `control` measures the direct "
        "target a second time, interleaved with the others: how far it is from 1.00 is how "
        "much of any ratio in that row is noise. `paired slices` gives the spread of the "
        "q/s ratio over slices that ran back to back.",
        *out.notes,
        "",
    ]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="branchdb bench passthrough", description=__doc__)
    add_arguments(p)
    s = settings_from(p.parse_args(argv))
    text = render(run(s))
    print(text)
    if s.out is not None:
        s.out.parent.mkdir(parents=True, exist_ok=True)
        s.out.write_text(text)
        _log(f"wrote {s.out}")
    return 0
