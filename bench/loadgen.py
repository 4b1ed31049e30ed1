"""Build and drive the Go load generator (`bench/go/loadgen.go`).

The binary is built offline against Debian's go-sql-driver (GOPATH=/usr/share/gocode) and cached
by a hash of its source, so only the first run pays the ~1 s build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from branchdb.bench.target import Target

SOURCE = Path(__file__).parent / "go" / "loadgen.go"
GOPATH_SYSTEM = "/usr/share/gocode"


class LoadgenError(RuntimeError):
    """The load generator could not be built or failed while running."""


@dataclass(frozen=True)
class LoadResult:
    """One target's figures over the measured slices of one cell."""

    queries: int
    seconds: float
    qps: float
    p50_us: float
    p95_us: float
    p99_us: float
    mean_us: float
    errors: int
    first_error: str
    #: q/s of each measured slice in run order; slice i of every target ran back to back.
    slice_qps: tuple[float, ...] = ()


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "branchdb" / "bench"


def go_version() -> str:
    go = shutil.which("go")
    if go is None:
        return "not installed"
    out = subprocess.run([go, "version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


def build() -> Path:
    """Return the path of an up-to-date loadgen binary, building it if needed."""
    go = shutil.which("go")
    if go is None:
        raise LoadgenError("`go` is not installed; the load generator needs it")
    digest = hashlib.sha256(SOURCE.read_bytes() + go_version().encode()).hexdigest()[:16]
    cache = _cache_dir()
    binary = cache / f"loadgen-{digest}"
    if binary.exists():
        return binary
    cache.mkdir(parents=True, exist_ok=True)
    gopath = cache / "gopath"
    gopath.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=f"{gopath}:{GOPATH_SYSTEM}",
        GOFLAGS="",
        GOCACHE=str(cache / "gocache"),
        CGO_ENABLED="0",
    )
    tmp = binary.with_suffix(".tmp")
    proc = subprocess.run(
        [go, "build", "-o", str(tmp), str(SOURCE)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise LoadgenError(f"go build failed:\n{proc.stderr}")
    tmp.rename(binary)
    return binary


def run(
    targets: dict[str, Target],
    *,
    mode: str,
    table: str,
    rows: int,
    conns: int,
    slice_s: float,
    rounds: int,
    warmup_s: float,
    seed: int = 1,
) -> dict[str, LoadResult]:
    """Run one cell (workload x connection count) over all targets, interleaved."""
    binary = build()
    args = [
        str(binary),
        f"-mode={mode}",
        f"-table={table}",
        f"-rows={rows}",
        f"-conns={conns}",
        f"-slice={slice_s:.3f}s",
        f"-rounds={rounds}",
        f"-warmup={warmup_s:.3f}s",
        f"-seed={seed}",
    ]
    for name, target in targets.items():
        args.append(f"-target={name}={target.go_dsn()}")
    timeout = 60 + len(targets) * (rounds * slice_s + warmup_s) * 2
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise LoadgenError(f"loadgen exited {proc.returncode}: {proc.stderr.strip()}")
    raw = json.loads(proc.stdout)
    results: dict[str, LoadResult] = {}
    for name, fig in raw.items():
        results[name] = LoadResult(
            queries=int(fig["queries"]),
            seconds=float(fig["seconds"]),
            qps=float(fig["qps"]),
            p50_us=float(fig["p50_us"]),
            p95_us=float(fig["p95_us"]),
            p99_us=float(fig["p99_us"]),
            mean_us=float(fig["mean_us"]),
            errors=int(fig["errors"]),
            first_error=str(fig.get("first_error", "")),
            slice_qps=tuple(float(x) for x in fig.get("slice_qps") or ()),
        )
    return results
