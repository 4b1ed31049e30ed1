"""Prepared point selects on a branch: a clean table and a changed table, proxy vs direct.

Server-side prepared statements (COM_STMT_EXECUTE with go-sql-driver, no interpolateParams) on:

- `clean`: a table the branch never wrote: the proxy relays the statement unchanged;
- `changed`: a table the branch wrote one row of: each execute prepares the engine's merged read
  with the value inlined (the UNION of the overlay and the base minus tombstones) and runs it.

`proxy clean` is the same statement through the proxy without a branch (the plain relay), so
the branch path's own cost is the gap between it and `branch clean`.

Each is compared with the same statement sent directly to the server (same table, same rows),
in interleaved slices (A B C D, D C B A, ...), and reported as ratios. A Go client keeps the
client cost to microseconds. Usage: `python -m branchdb.bench.prepared [--quick] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pymysql

from branchdb.bench.proxyproc import running_proxy
from branchdb.bench.target import Target, default_upstream_url
from branchdb.cow.executor import AioMysqlExecutor
from branchdb.cow.lifecycle import Lifecycle

SCHEMA = "bench_prepared"
TABLES = ("t_clean", "t_changed")
GOPATH_SYSTEM = "/usr/share/gocode"

GO_SOURCE = r"""
// Prepared point selects against several targets in interleaved slices; JSON on stdout.
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

type targets []string

func (t *targets) String() string     { return strings.Join(*t, ",") }
func (t *targets) Set(v string) error { *t = append(*t, v); return nil }

type target struct {
	name  string
	stmt  *sql.Stmt
	lat   []int64
	busy  time.Duration
	count int64
	errs  int64
	first string
}

func main() {
	var ts targets
	flag.Var(&ts, "target", "NAME|TABLE|DSN, repeatable")
	rows := flag.Int("rows", 10000, "ids are 1..rows")
	slice := flag.Duration("slice", 2*time.Second, "measured slice")
	rounds := flag.Int("rounds", 3, "slices per target")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "warm-up per target")
	flag.Parse()
	var all []*target
	for _, spec := range ts {
		parts := strings.SplitN(spec, "|", 3)
		db, err := sql.Open("mysql", parts[2])
		if err != nil {
			fail(err)
		}
		db.SetMaxOpenConns(1)
		stmt, err := db.Prepare("SELECT c FROM " + parts[1] + " WHERE id = ?")
		if err != nil {
			fail(fmt.Errorf("%s: prepare: %v", parts[0], err))
		}
		all = append(all, &target{name: parts[0], stmt: stmt})
	}
	rng := rand.New(rand.NewSource(1))
	run := func(t *target, d time.Duration, measure bool) {
		var c string
		start := time.Now()
		deadline := start.Add(d)
		for {
			q0 := time.Now()
			if !q0.Before(deadline) {
				break
			}
			err := t.stmt.QueryRow(rng.Intn(*rows) + 1).Scan(&c)
			if !measure {
				continue
			}
			if err != nil {
				t.errs++
				if t.first == "" {
					t.first = err.Error()
				}
				continue
			}
			t.lat = append(t.lat, int64(time.Since(q0)))
			t.count++
		}
		if measure {
			t.busy += time.Since(start)
		}
	}
	for _, t := range all {
		run(t, *warmup, false)
	}
	for r := 0; r < *rounds; r++ {
		for j := range all {
			k := j
			if r%2 == 1 {
				k = len(all) - 1 - j
			}
			run(all[k], *slice, true)
		}
	}
	out := map[string]interface{}{}
	for _, t := range all {
		sort.Slice(t.lat, func(a, b int) bool { return t.lat[a] < t.lat[b] })
		pct := func(p float64) float64 {
			if len(t.lat) == 0 {
				return 0
			}
			return float64(t.lat[int(p*float64(len(t.lat)-1))]) / 1e3
		}
		out[t.name] = map[string]interface{}{
			"queries": t.count, "qps": float64(t.count) / t.busy.Seconds(),
			"p50_us": pct(0.50), "p99_us": pct(0.99), "errors": t.errs, "first_error": t.first,
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
"""


def build() -> Path:
    """The load generator binary, built offline against Debian's go-sql-driver and cached."""
    go = shutil.which("go")
    if go is None:
        raise SystemExit("bench prepared: `go` is not installed")
    digest = hashlib.sha256(GO_SOURCE.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "branchdb" / "bench"
    binary = cache / f"prepared-{digest}"
    if binary.exists():
        return binary
    work = cache / f"prepared-src-{digest}" / "src" / "preparedgen"
    work.mkdir(parents=True, exist_ok=True)
    (work / "main.go").write_text(GO_SOURCE)
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPROXY="off",
        GOFLAGS="",
        GOPATH=f"{work.parent.parent}:{GOPATH_SYSTEM}",
        GOCACHE=str(cache / "gocache"),
        CGO_ENABLED="0",
    )
    done = subprocess.run(
        [go, "build", "-o", str(binary)], cwd=work, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"go build failed:\n{done.stderr}")
    return binary


def prepare_data(upstream: Target, rows: int) -> None:
    conn = pymysql.connect(**upstream.pymysql_kwargs(), autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {SCHEMA}")
            for table in TABLES:
                cur.execute(
                    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{table} (id INT PRIMARY KEY,"
                    " k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, KEY (k))"
                )
                cur.execute(f"SELECT COUNT(*) FROM {SCHEMA}.{table}")
                row = cur.fetchone()
                if row is not None and row[0] == rows:
                    continue
                cur.execute(f"TRUNCATE TABLE {SCHEMA}.{table}")
                for start in range(1, rows + 1, 1000):
                    values = ", ".join(
                        f"({i}, {i % 997}, '{'c' * 20}{i:0100d}', '{'p' * 60}')"
                        for i in range(start, min(start + 1000, rows + 1))
                    )
                    cur.execute(f"INSERT INTO {SCHEMA}.{table} VALUES {values}")
    finally:
        conn.close()


async def _lifecycle(upstream: Target, op: str, name: str) -> None:
    control = await AioMysqlExecutor.connect(
        host=upstream.host, port=upstream.port, user=upstream.user, password=upstream.password
    )
    try:
        lc = Lifecycle(control)
        if op == "create":
            await lc.create(name, "all")
        else:
            await lc.delete(name, force=True)
    finally:
        control.close()


def go_dsn(t: Target, user: str) -> str:
    return f"{user}:{t.password}@tcp({t.host}:{t.port})/{SCHEMA}?timeout=10s"


def run(args: argparse.Namespace) -> dict[str, Any]:
    upstream = Target.from_url(args.upstream)
    prepare_data(upstream, args.rows)
    binary = build()
    name = f"bench-prepared-{secrets.token_hex(4)}"
    asyncio.run(_lifecycle(upstream, "create", name))
    try:
        with running_proxy(upstream) as proxy:
            px = proxy.target
            on_branch = f"{upstream.user}~{name}"
            conn = pymysql.connect(
                **px.pymysql_kwargs() | {"user": on_branch}, database=SCHEMA, autocommit=True
            )
            try:
                with conn.cursor() as cur:  # one changed row makes the table dirty on the branch
                    cur.execute("UPDATE t_changed SET k = k + 1 WHERE id = 1")
            finally:
                conn.close()
            targets = {
                "direct clean": ("t_clean", go_dsn(upstream, upstream.user)),
                "proxy clean": ("t_clean", go_dsn(px, upstream.user)),  # no branch: relay
                "branch clean": ("t_clean", go_dsn(px, on_branch)),
                "direct changed": ("t_changed", go_dsn(upstream, upstream.user)),
                "branch changed": ("t_changed", go_dsn(px, on_branch)),
            }
            cmd = [
                str(binary),
                f"-rows={args.rows}",
                f"-slice={args.slice}s",
                f"-rounds={args.rounds}",
                f"-warmup={args.warmup}s",
            ]
            cmd += [f"-target={n}|{table}|{dsn}" for n, (table, dsn) in targets.items()]
            started = time.time()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"load generator failed: {done.stderr}")
            figures: dict[str, Any] = json.loads(done.stdout)
    finally:
        asyncio.run(_lifecycle(upstream, "delete", name))
    return {
        "figures": figures,
        "started": started,
        "rows": args.rows,
        "slice": args.slice,
        "rounds": args.rounds,
    }


def report(result: dict[str, Any]) -> str:
    f = result["figures"]
    lines = [
        "# Prepared point select on a branch (issue 6)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(result['started']))}, "
        f"{platform.node()}, load {os.getloadavg()[0]:.1f}; {result['rows']} rows per table, "
        f"{result['rounds']} interleaved slices of {result['slice']} s per target, 1 connection.",
        "",
        "| target | q/s | p50 µs | p99 µs | errors | q/s vs direct |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, fig in f.items():
        base = f["direct " + name.split()[-1]]
        ratio = fig["qps"] / base["qps"] if base["qps"] else 0.0
        lines.append(
            f"| {name} | {fig['qps']:.0f} | {fig['p50_us']:.0f} | {fig['p99_us']:.0f} | "
            f"{fig['errors']} | {ratio:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="branchdb-bench-prepared", description=__doc__)
    parser.add_argument("--upstream", default=default_upstream_url())
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--slice", type=float, default=2.0, help="seconds per measured slice")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--quick", action="store_true", help="1 s slices, 2 rounds")
    parser.add_argument("--out", help="also write the markdown report to this file")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.quick:
        args.slice, args.rounds = 1.0, 2
    text = report(run(args))
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
