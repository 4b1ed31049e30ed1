"""Smoke test of `python -m branchdb.bench reads`: the whole suite at 5,000 users, in seconds.

It runs as a user would (a real `branchdb serve`, two real branches changed through it, a real
copy of the data with the same changes applied directly), so it checks the harness end to end:
every query timed on base and branch at every level, every branch result equal to the copy's,
the report, the chart, and that nothing is left behind.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path

from support.branches import catalog_now
from support.upstream import Upstream

from branchdb.bench.readchanges import Focus
from branchdb.bench.readdata import Scale
from branchdb.bench.readmeasure import same_rows
from branchdb.bench.readqueries import queries


def _table_rows(markdown: str) -> list[list[str]]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in rows]


def test_reads_suite_end_to_end(upstream: Upstream, tmp_path: Path) -> None:
    started = catalog_now(upstream)
    schema = f"t_reads_{secrets.token_hex(4)}"
    out, png = tmp_path / "reads.md", tmp_path / "reads.png"
    cmd = [
        sys.executable, "-m", "branchdb.bench", "reads",
        "--upstream", upstream.url,
        "--rows", "5000", "--reps", "3",
        "--schema", schema, "--drop-schema",
        "--out", str(out), "--chart", str(png),
    ]  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, f"bench failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    assert elapsed < 60, f"smoke run took {elapsed:.1f}s"
    text = out.read_text()
    table = _table_rows(text)
    head, body = table[0], table[1:]
    assert head[:2] == ["query", "direct ms"] and head[-2:] == ["rows", "check"], head
    assert [h for h in head if h.startswith("x ")] == ["x 0", "x 20", "x 200"], head
    names = [q.name for q in queries(Focus(Scale(5000)))]
    assert [r[0].rstrip(" †") for r in body] == names
    for row in body:
        assert row[-1] == "ok", row
        ratios = [row[i] for i, h in enumerate(head) if h.startswith("x ")]
        assert all(r == "timeout" or float(r) > 0 for r in ratios), row
    assert sum(r[-2] not in ("-", "0") for r in body) >= len(body) - 1, body
    assert "Base tables unchanged" in text
    assert text.count("changed rows**: median") == 3
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    conn = upstream.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES LIKE %s", (f"{schema}%",))
            assert cur.fetchall() == ()
            cur.execute(
                "SELECT COUNT(*) FROM _branchdb.branches"
                " WHERE name LIKE 'benchreads-%%' AND created_at >= %s",
                (started,),
            )
            assert cur.fetchone() == (0,)
    finally:
        conn.close()


def test_result_comparison_respects_order_only_when_total() -> None:
    ordered, unordered = queries(Focus(Scale(5000)))[7], queries(Focus(Scale(5000)))[2]
    assert ordered.ordered and not unordered.ordered
    a, b = ((1, "x"), (2, "y")), ((2, "y"), (1, "x"))
    assert same_rows(unordered, a, b)
    assert not same_rows(ordered, a, b)
    assert not same_rows(unordered, a, ((1, "x"), (1, "x")))
    assert not same_rows(unordered, a, a + ((3, "z"),))
