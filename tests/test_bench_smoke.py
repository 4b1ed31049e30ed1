"""Smoke test of the benchmark harness: a tiny passthrough run must produce real ratios.

It runs `python -m branchdb.bench passthrough` as a user would, in a few seconds, once against
the upstream itself (direct vs direct: checks the harness alone) and once through a
`branchdb serve` it starts (checks the proxy path the full benchmark measures).
"""

from __future__ import annotations

import math
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

RATIO_COLUMNS = {"q/s ratio", "p50 ratio", "p99 ratio", "tps ratio", "qps ratio"}


def _ratios(markdown: str) -> dict[str, list[float]]:
    """Every ratio cell of every table, by table heading, parsed as float."""
    found: dict[str, list[float]] = {}
    headers: list[str] = []
    section = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            section = line[3:]
        if not line.startswith("|") or line.startswith("|---"):
            if not line.startswith("|"):
                headers = []
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not headers:
            headers = cells
            continue
        for name, cell in zip(headers, cells, strict=True):
            if any(name.startswith(col) for col in RATIO_COLUMNS):
                found.setdefault(section, []).append(float(cell))
    return found


def _run_bench(upstream: Any, tmp_path: Path, *extra: str) -> str:
    tag = secrets.token_hex(4)
    out = tmp_path / "passthrough.md"
    cmd = [
        sys.executable, "-m", "branchdb.bench", "passthrough",
        "--upstream", upstream.url,
        "--quick", "--duration", "0.5", "--slice", "0.25",
        "--conns", "1,4",
        "--rows", "3000",
        "--schema", f"t_bench_{tag}",
        "--sysbench-schema", f"t_sysbench_{tag}",
        "--drop-schema",
        "--out", str(out),
        *extra,
    ]  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, f"bench failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    assert elapsed < 30, f"smoke run took {elapsed:.1f}s"
    text = out.read_text()
    assert text.strip() in proc.stdout
    return text


def _check(text: str, *, sysbench: bool, floor: bool = True) -> None:
    ratios = _ratios(text)
    own = ratios.get("Own workloads (Go client, one connection per client thread)", [])
    # point+range x 2 connection counts x 3 ratios (+ q/s and p50 of the relay floor)
    assert len(own) == 4 * (5 if floor else 3), text
    # 2 tests x (tps, qps) (+ the floor's tps)
    assert len(ratios.get("sysbench", [])) == (2 * (3 if floor else 2) if sysbench else 0), text
    for values in ratios.values():
        assert all(math.isfinite(v) and v > 0 for v in values), text
    assert "Added p50 latency, point select, 1 connection" in text
    assert ("## Relay floor" in text) == floor, text
    assert ("Relay floor exit status after SIGTERM: 0." in text) == floor, text


@pytest.mark.timeout(120)
def test_passthrough_bench_direct_vs_direct(upstream: Any, tmp_path: Path) -> None:
    # The control target (direct measured twice) is on here; sysbench is left to the proxy test.
    text = _run_bench(upstream, tmp_path, "--target", upstream.url, "--no-sysbench", "--no-floor")
    _check(text, sysbench=False, floor=False)
    assert "noise floor" in text


@pytest.mark.timeout(120)
def test_passthrough_bench_through_proxy(upstream: Any, tmp_path: Path) -> None:
    text = _run_bench(
        upstream, tmp_path, "--no-control", "--sysbench-time", "1", "--ps-modes", "disable"
    )
    _check(text, sysbench=True)
    assert "direct vs proxy" in text


@pytest.mark.timeout(60)
def test_branching_bench_quick(upstream: Any, tmp_path: Path) -> None:
    """A tiny `branching --quick` run: every figure the issue asks for is a number."""
    out = tmp_path / "branching.md"
    cmd = [
        sys.executable, "-m", "branchdb.bench", "branching",
        "--upstream", upstream.url,
        "--quick", "--sizes", "1000,5000",
        "--schema", f"t_branching_{secrets.token_hex(4)}",
        "--drop-schema",
        "--out", str(out),
    ]  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, f"bench failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    assert elapsed < 20, f"smoke run took {elapsed:.1f}s"
    text = out.read_text()
    tables = _tables(text)
    sizes = tables["Branch creation and first write, by base size"]
    assert [r["base rows"] for r in sizes] == ["1,000", "5,000"], text
    for r in sizes:
        for col in ("create median ms", "first write median ms", "second write median ms"):
            assert float(r[col].replace(",", "")) > 0, text
    storage = tables["Overlay storage after changing rows of the 5,000-row table"]
    assert [r["rows updated"] for r in storage] == ["5", "50"], text
    assert all(r["overlay rows (COUNT)"] == r["rows updated"] for r in storage), text
    assert all(float(r["overlay total MiB"]) > 0 for r in storage), text
    updates = {r["variant"]: r for r in tables["One-row UPDATE by PK (5,000-row table)"]}
    assert set(updates) == {
        "base direct",
        "base via proxy (no branch)",
        "branch copy-up",
        "branch copied row",
    }, text
    assert all(float(r["median ÷ base direct"]) > 0 for r in updates.values()), text
    statements = {
        k: int(r["statements on the client's upstream connection"]) for k, r in updates.items()
    }
    assert statements["base direct"] == 1 and statements["branch copy-up"] >= 1, text
    assert "**Base checksums unchanged** after all branch work." in text
    assert "Proxy exit status after SIGTERM: 0" in text


def _tables(markdown: str) -> dict[str, list[dict[str, str]]]:
    """Each markdown table as a list of {header: cell}, by the heading above it."""
    found: dict[str, list[dict[str, str]]] = {}
    headers: list[str] = []
    section = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            section = line[3:]
        if not line.startswith("|"):
            headers = []
            continue
        if line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not headers:
            headers = cells
            continue
        found.setdefault(section, []).append(dict(zip(headers, cells, strict=True)))
    return found
