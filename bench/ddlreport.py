"""Markdown for the ALTER benchmark (bench/ddlbench.py).

The first table answers what a user weighs when they want a database to try a migration on
(a branch or a real copy: copy ÷ branch, how many times faster the branch is); the second keeps
the comparison with an INSTANT ALTER on a copy that already exists, which a branch cannot win,
and says why and what it costs.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from branchdb.bench import report


@dataclass
class Pair:
    """One ALTER (or task) timed on the branch and on the real copy, seconds per run."""

    label: str
    branch: list[float] = field(default_factory=list)
    copy: list[float] = field(default_factory=list)

    @property
    def branch_ms(self) -> float:
        return statistics.median(self.branch) * 1000

    @property
    def copy_ms(self) -> float:
        return statistics.median(self.copy) * 1000


@dataclass
class Results:
    rows: int
    build_secs: float
    server: str
    load: tuple[float, float]  # 1-minute load average before / after
    fresh: Pair  # new branch + migration vs new copy + migration
    fresh_copying: list[float]  # the copy's CREATE … LIKE + INSERT … SELECT share, per run
    forced: list[Pair]  # ALGORITHM=COPY on both sides
    instant: list[Pair]  # the server's default algorithm (INSTANT on MariaDB)
    same: bool
    unchanged: bool


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v * 1000:.1f}" for v in values)


def _faster(p: Pair) -> str:
    return f"{report.ratio(p.copy_ms, p.branch_ms):.1f}x"


def render(r: Results) -> str:
    facts = report.machine_facts(
        r.server,
        [
            ("load average (1 min) before / after", f"{r.load[0]:.2f} / {r.load[1]:.2f}"),
            ("branchdb revision", report.source_revision()),
            ("table", f"{r.rows:,} rows; built in {r.build_secs:.1f} s"),
        ],
    )
    fresh_copy = statistics.median(r.fresh_copying) * 1000
    mapped = [p for p in r.instant if "materializes" not in p.label]
    branch_mapped = statistics.median(p.branch_ms for p in mapped)
    copy_mapped = statistics.median(p.copy_ms for p in mapped)
    first_add = mapped[0].branch[0] * 1000 if mapped else float("nan")
    runs = len(r.fresh.branch)
    head = ["what", "runs", "branch ms (median)", "real copy ms (median)", "copy ÷ branch"]
    try_rows = [
        [
            "new database with the migration (1)",
            str(runs),
            f"{r.fresh.branch_ms:.1f}",
            f"{r.fresh.copy_ms:.1f}",
            _faster(r.fresh),
        ],
        *(
            [f"{p.label} (2)", str(len(p.branch)), f"{p.branch_ms:.1f}", f"{p.copy_ms:.1f}"]
            + [_faster(p)]
            for p in r.forced
        ),
    ]
    instant_rows = [
        [
            p.label,
            str(len(p.branch)),
            f"{p.branch_ms:.1f} ({_runs(p.branch)})",
            f"{p.copy_ms:.1f} ({_runs(p.copy)})",
            f"{report.ratio(p.branch_ms, p.copy_ms):.2f}x",
        ]
        for p in r.instant
    ]
    lines = [
        "# ALTER TABLE on a branch vs on a real copy",
        "",
        "Figures come from ONE run on a machine other work shares (2 CPUs; the load average is",
        "below); compare inside this file only.",
        "",
        report.facts_list(facts),
        "",
        f"Table `t`: {r.rows:,} rows (`id` PK, `a` INT, three VARCHAR(32), `k` INT indexed).",
        "Branch: every statement through the proxy; real copy: the same statement directly on",
        "the server. Order: the default-algorithm history (right after the build), then the",
        "ALGORITHM=COPY history, then the from-scratch runs (branch, then copy, three times).",
        "",
        "## A database to try a migration on",
        "",
        "What a user compares: a branch, or a real copy of the database. Ratio = real copy ÷",
        "branch, how many times faster the branch is.",
        "",
        report.table(head, try_rows),
        "",
        "(1) Branch: open a connection to a new branch (the proxy creates it), run",
        "`ALTER TABLE t ADD COLUMN c1 VARCHAR(32) DEFAULT 'x'`. Real copy: CREATE DATABASE,",
        f"CREATE TABLE … LIKE, INSERT … SELECT of the {r.rows:,} rows ({fresh_copy:.0f} ms median",
        "of the copy's total) and the same ALTER. The branch copies no row and grows with the rows",
        "it changes, not with the table.",
        "",
        "(2) The same statement with `ALGORITHM=COPY` on both sides, on the branch after 1,000",
        "changed rows (a `cow` table: overlay rows and tombstones) and on a copy with the same",
        "changes: what a server without INSTANT ALTER does, and what every change INSTANT cannot",
        "do costs on a copy (the copy rebuilds all its rows; the branch rebuilds its 1,000-row",
        "overlay and its empty scratch copy). Three runs each, on different columns.",
        "",
        "## Against an INSTANT ALTER on a copy that already exists",
        "",
        "Same branch and copy history as (2), with the server's default algorithm: MariaDB runs",
        "ADD/RENAME/DROP COLUMN on the copy INSTANT. Ratio = branch ÷ copy. Each run in brackets.",
        "",
        report.table(["ALTER", "runs", "branch ms", "real copy ms", "branch ÷ copy"], instant_rows),
        "",
        "An INSTANT ALTER changes only the table's metadata and touches no row, so its time does",
        "not grow with the table either; a branch cannot beat it. To return the server's exact",
        "errors and the column types the ALTER produces, the branch first runs the ALTER on an",
        "empty copy of its overlay table (kept between ALTERs), then runs it on the overlay",
        "itself (the same metadata change), then commits the new column mapping to its catalog:",
        "two INSTANT ALTERs, a catalog transaction and a few metadata queries. That costs",
        f"{branch_mapped:.1f} ms median per mapped ALTER here ({copy_mapped:.1f} ms on the copy),",
        "whatever the table's size. The first ALTER of a table on a branch also creates the empty",
        f"copy (the first ADD COLUMN run: {first_add:.1f} ms).",
        "",
        "A type change (MODIFY k SMALLINT) cannot be mapped: the branch copies the visible base",
        "rows into the overlay first (INSERT … SELECT under READ COMMITTED: no base row is",
        "locked) and lets the server convert the full overlay, so it costs about a copy of the",
        "table plus the copy's own rebuild.",
        "",
        f"Branch rows equal to the copy's after every part: {'yes' if r.same else 'NO'}.",
        f"Base CHECKSUM TABLE unchanged: {'yes' if r.unchanged else 'NO'}.",
        "",
    ]
    return "\n".join(lines)
