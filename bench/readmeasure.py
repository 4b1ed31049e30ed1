"""Timing one query on the base and on a branch in the same run, and checking the branch's rows.

Why interleaved: the machine is shared, so base and branch runs alternate (base, branch, direct;
then direct, branch, base; ...) and a noisy second hits both alike; only ratios inside one level
of one run are compared. The base goes through the same proxy on a connection without a branch,
so branch ÷ base isolates the merged-read cost; base-direct (no proxy) is kept for reference.

A naive merged plan can run for tens of seconds, so every measured connection carries a
statement time limit (MariaDB `max_statement_time`, MySQL `max_execution_time`) set as a
session variable: a per-statement prefix or hint would have to survive the branch rewrite, a
session limit applies to whatever statement the proxy sends. A run that hits it is "timeout".
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pymysql

from branchdb.bench.readqueries import Query

#: ER_STATEMENT_TIMEOUT (MariaDB), ER_QUERY_TIMEOUT (MySQL), ER_QUERY_INTERRUPTED.
TIMEOUT_CODES = {1969, 3024, 1317}
#: A query whose warm-up run takes longer than this gets `SLOW_REPS` measured runs.
SLOW_MS = 2000.0
SLOW_REPS = 3


class Timeout(Exception):
    """The statement ran into the session's time limit."""


def set_timeout(conn: Any, flavor: str, seconds: float) -> None:
    with conn.cursor() as cur:
        if flavor == "mariadb":
            cur.execute(f"SET SESSION max_statement_time = {seconds:g}")
        else:
            cur.execute(f"SET SESSION max_execution_time = {int(seconds * 1000)}")


def timed(conn: Any, sql: str) -> tuple[float, tuple[tuple[Any, ...], ...]]:
    """(milliseconds, rows) of one execution including fetching every row."""
    with conn.cursor() as cur:
        t0 = time.perf_counter()
        try:
            cur.execute(sql)
            rows = cur.fetchall()
        except pymysql.MySQLError as exc:
            if exc.args and exc.args[0] in TIMEOUT_CODES:
                raise Timeout(str(exc)) from exc
            raise
        return (time.perf_counter() - t0) * 1000, tuple(rows)


@dataclass
class Side:
    """Samples of one target (base through the proxy, branch, or base direct)."""

    ms: list[float] = field(default_factory=list)
    timeout: bool = False
    error: str = ""

    @property
    def median(self) -> float | None:
        if self.timeout or self.error or not self.ms:
            return None
        return statistics.median(self.ms)


@dataclass
class Cell:
    """One query at one change level."""

    base: Side
    branch: Side
    direct: Side
    #: Rows the branch returned (None when it timed out or failed).
    rows: int | None = None
    #: "ok", "MISMATCH", "timeout" (no branch result within the check limit) or "error".
    check: str = ""

    @property
    def ratio(self) -> float | None:
        b, r = self.base.median, self.branch.median
        return r / b if b and r is not None else None


def same_rows(query: Query, got: tuple[Any, ...], want: tuple[Any, ...]) -> bool:
    if query.ordered:
        return list(got) == list(want)
    return Counter(got) == Counter(want)


def _try(conn: Any, sql: str, side: Side) -> tuple[tuple[Any, ...], ...] | None:
    if side.timeout or side.error:
        return None
    try:
        ms, rows = timed(conn, sql)
    except Timeout:
        side.timeout = True
        return None
    except pymysql.MySQLError as exc:
        side.error = f"{exc.args[0]} {exc.args[1] if len(exc.args) > 1 else ''}".strip()
        return None
    side.ms.append(ms)
    return rows


@dataclass(frozen=True)
class Limits:
    """Statement time limits: `timeout` for timed runs, `check` for the branch's checked run."""

    flavor: str
    timeout: float
    check: float


def measure(
    query: Query,
    base: Any,
    branch: Any,
    direct: Any,
    expected: tuple[Any, ...],
    reps: int,
    limits: Limits,
) -> tuple[Cell, tuple[Any, ...] | None]:
    """Warm-up runs (the branch's checked, none timed), then `reps` interleaved timed runs.

    The branch's warm-up runs under the longer `check` limit so a slow plan's result is still
    compared with the copy's; if it takes longer than `timeout` the timed runs are skipped and
    the branch is reported as "timeout".
    """
    sql = query.sql()
    warm = Cell(Side(), Side(), Side())
    set_timeout(branch, limits.flavor, limits.check)
    try:
        got = _try(branch, sql, warm.branch)
    finally:
        set_timeout(branch, limits.flavor, limits.timeout)
    if warm.branch.ms and warm.branch.ms[0] > limits.timeout * 1000:
        warm.branch.timeout = True
    _try(base, sql, warm.base)
    _try(direct, sql, warm.direct)
    cell = Cell(
        Side(timeout=warm.base.timeout, error=warm.base.error),
        Side(timeout=warm.branch.timeout, error=warm.branch.error),
        Side(timeout=warm.direct.timeout, error=warm.direct.error),
    )
    if got is None:
        cell.check = "timeout" if warm.branch.timeout else "error"
    else:
        cell.rows = len(got)
        cell.check = "ok" if same_rows(query, got, expected) else "MISMATCH"
    slow = any(ms > SLOW_MS for s in (warm.base, warm.branch, warm.direct) for ms in s.ms)
    for i in range(SLOW_REPS if slow else reps):
        order = [(base, cell.base), (branch, cell.branch), (direct, cell.direct)]
        for conn, side in order if i % 2 == 0 else reversed(order):
            _try(conn, sql, side)
    if cell.check == "ok" and cell.branch.error:
        cell.check = "error"  # a timed run failed although the checked one succeeded
    return cell, got
