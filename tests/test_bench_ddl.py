"""Smoke test of `python -m branchdb.bench ddl` at 5,000 rows: a real `branchdb serve`, branches
created through it, real copies beside them. It checks the harness end to end: every part of the
report is there with a number, the branch's rows equal the copies', the base is unchanged, and no
schema or branch is left behind."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

from support.branches import catalog_now
from support.upstream import Upstream


def _table_rows(markdown: str) -> list[list[str]]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in rows]


def test_ddl_bench_end_to_end(upstream: Upstream, tmp_path: Path) -> None:
    started = catalog_now(upstream)
    schema = f"t_ddl_{secrets.token_hex(4)}"
    out = tmp_path / "ddl.md"
    cmd = [
        sys.executable, "-m", "branchdb.bench", "ddl",
        "--upstream", upstream.url, "--rows", "5000",
        "--schema", schema, "--drop-schema", "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"bench failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    text = out.read_text()
    assert "Branch rows equal to the copy's after every part: yes." in text
    assert "Base CHECKSUM TABLE unchanged: yes." in text
    body = {r[0]: r for r in _table_rows(text) if r[0] not in ("what", "ALTER")}
    labels = [
        "new database with the migration (1)",
        "ADD COLUMN c VARCHAR(32) DEFAULT 'x', ALGORITHM=COPY (2)",
        "RENAME COLUMN, ALGORITHM=COPY (2)",
        "DROP COLUMN, ALGORITHM=COPY (2)",
        "ADD COLUMN c VARCHAR(32) DEFAULT 'x'",
        "RENAME COLUMN",
        "DROP COLUMN",
        "MODIFY k SMALLINT (materializes)",
    ]
    assert sorted(body) == sorted(labels), sorted(body)
    for row in body.values():
        assert float(row[2].split()[0]) > 0 and float(row[3].split()[0]) > 0, row
        assert row[4].endswith("x") and float(row[4][:-1]) > 0, row
    conn = upstream.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s",
                (schema + "%",),
            )
            assert cur.fetchall() == ()
            cur.execute(
                "SELECT name FROM `_branchdb`.branches WHERE name LIKE 'ddlbench-%%'"
                " AND created_at >= %s",
                (started,),
            )
            assert cur.fetchall() == ()  # every branch the bench made is deleted
    finally:
        conn.close()
