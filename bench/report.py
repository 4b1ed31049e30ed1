"""Markdown rendering and machine facts for benchmark reports.

Every report says where and when it was measured: figures from different machines or runs must
never be compared, only the ratios inside one report.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine_facts(
    server_version: str, extra: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("cores", f"{os.cpu_count()} ({cpu_model()})"),
        ("memory", memory_gib()),
        ("kernel", platform.release()),
        ("server", server_version),
        ("python", platform.python_version()),
        *extra,
    ]


def source_revision() -> str:
    """The commit the proxy code came from, and whether proxy/ had uncommitted edits."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "proxy"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} (proxy/ has uncommitted changes)" if dirty else head


def facts_list(facts: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"- **{k}**: {v}" for k, v in facts)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(out)


def num(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def ratio(num_: float, den: float) -> float:
    if den == 0 or math.isnan(num_) or math.isnan(den):
        return float("nan")
    return num_ / den


def ratio_str(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def paired_spread(base: Sequence[float], other: Sequence[float]) -> str:
    """Median (min..max) of other÷base over slices that ran back to back.

    A burst of outside load hits one pair of slices, not one target: the spread of the paired
    ratios shows how much the total ratio can be trusted on a busy machine.
    """
    pairs = sorted(o / b for b, o in zip(base, other, strict=False) if b > 0)
    if not pairs:
        return "n/a"
    mid = len(pairs) // 2
    median = pairs[mid] if len(pairs) % 2 else (pairs[mid - 1] + pairs[mid]) / 2
    return f"{median:.2f} ({pairs[0]:.2f}..{pairs[-1]:.2f})"
