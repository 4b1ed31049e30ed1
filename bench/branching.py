"""Copy-on-write costs: branch creation, first write, overlay storage, copy-up UPDATE.

Why this shape: the product promises that a branch costs nothing until it is written, and then
only what it changed. So the figures are (1) creating a branch on bases of growing size, which
must stay flat because it is a catalog insert, together with the first write on the branch to
that table (the overlay table appears then); (2) the overlay's size after changing 1 % (and
0.1 %) of a 1 M-row table, which must be proportional to the changed rows, not to the base;
(3) one UPDATE by primary key on a branch, whose first touch of a row copies it up, against the
same UPDATE on the server, interleaved row by row so machine noise hits both alike; and (4) the
base's CHECKSUM TABLE before and after all of it, since a branch must never modify base data.

Bases live in schema `bench_branching` (`sbtest_<rows>`), bulk-loaded once from MariaDB's
sequence engine (or by INSERT … SELECT doubling elsewhere) and reused by later runs; a table
comment marks a finished load so an interrupted one is rebuilt. Base UPDATEs run on a separate
copy (`sbtest_<rows>_copy`, same content), so the measured base itself is never written.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shlex
import statistics
import sys
import time
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pymysql

from branchdb.bench import dataset, report
from branchdb.bench.passthrough import _loadavg, _log
from branchdb.bench.proxyproc import ProxyProcess, running_proxy
from branchdb.bench.target import Target, default_upstream_url
from branchdb.cow import catalog
from branchdb.cow.executor import AioMysqlExecutor
from branchdb.cow.lifecycle import Lifecycle
from branchdb.cow.naming import overlay_db

T = TypeVar("T")
SCHEMA = "bench_branching"
_DONE = "bench_branching complete rows="
_CHUNK = 500_000


@dataclass
class Settings:
    upstream: Target
    sizes: list[int]
    focus: int
    creates: int
    first_writes: int
    updates: int
    schema: str
    out: Path | None
    drop_schema: bool
    proxy_cmd: list[str] | None
    proxy_args: list[str]


@dataclass
class SizeFigures:
    rows: int
    load_s: float
    loaded: bool
    create_ms: list[float]
    first_write_ms: list[float]
    second_write_ms: list[float]


@dataclass
class Storage:
    share: str
    changed: int
    update_s: float
    overlay_rows: int
    overlay_bytes: int
    tomb_rows: int
    tomb_bytes: int
    count_exact: int


@dataclass
class Outcome:
    sizes: list[SizeFigures] = field(default_factory=list)
    base_bytes: int = 0
    base_rows: int = 0
    storage: list[Storage] = field(default_factory=list)
    update_ms: dict[str, list[float]] = field(default_factory=dict)
    update_statements: dict[str, int] = field(default_factory=dict)
    checksums: list[tuple[str, int, int]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def table_name(rows: int) -> str:
    return f"sbtest_{rows}"


# --- base tables -------------------------------------------------------------------------------


def _connect(target: Target, **kw: Any) -> pymysql.connections.Connection[Any]:
    return pymysql.connect(**target.pymysql_kwargs(), autocommit=True, **kw)


def _one(cur: Any, sql: str, args: Any = None) -> Any:
    cur.execute(sql, args)
    row = cur.fetchone()
    return row[0] if row else None


def _has_sequence_engine(cur: Any) -> bool:
    try:
        return bool(_one(cur, "SELECT COUNT(*) FROM mysql.seq_1_to_2") == 2)
    except pymysql.MySQLError:
        return False


#: Deterministic sysbench-like values from the row id alone, so base and copy are identical.
_VALUES = (
    "{i}, 1 + ({i} * 2654435761) % {n},"
    " CONCAT(MD5({i}), MD5({i} + 1000000000), MD5({i} + 2000000000),"
    " LEFT(MD5({i} + 3000000000), 24)),"
    " CONCAT(MD5(-{i}), LEFT(SHA1({i}), 28))"
)


def ensure_base(target: Target, schema: str, table: str, rows: int) -> tuple[bool, float]:
    """Create `schema.table` with ids 1..rows unless a finished load is there; (created, secs)."""
    t0 = time.monotonic()
    conn = _connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{schema}`")
            comment = _one(
                cur,
                "SELECT TABLE_COMMENT FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA=%s AND TABLE_NAME=%s",
                (schema, table),
            )
            if comment == f"{_DONE}{rows}":
                return False, time.monotonic() - t0
            q = f"`{schema}`.`{table}`"
            cur.execute(f"DROP TABLE IF EXISTS {q}")
            # The k index is added after the load: a sorted build beats random inserts into a
            # secondary index that does not fit the buffer pool.
            cur.execute(
                f"CREATE TABLE {q} (id INT NOT NULL PRIMARY KEY, k INT NOT NULL DEFAULT 0,"
                " c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT ''"
                ") ENGINE=InnoDB"
            )
            if _has_sequence_engine(cur):
                for start in range(1, rows + 1, _CHUNK):
                    stop = min(start + _CHUNK - 1, rows)
                    vals = _VALUES.format(i="seq", n=rows)
                    cur.execute(
                        f"INSERT INTO {q} (id, k, c, pad) SELECT {vals}"
                        f" FROM mysql.seq_{start}_to_{stop}"
                    )
            else:
                _load_by_doubling(cur, q, rows)
            cur.execute(f"ALTER TABLE {q} ADD KEY k_1 (k)")
            cur.execute(f"ANALYZE TABLE {q}")
            cur.fetchall()
            cur.execute(f"ALTER TABLE {q} COMMENT = %s", (f"{_DONE}{rows}",))
        return True, time.monotonic() - t0
    finally:
        conn.close()


def _load_by_doubling(cur: Any, q: str, rows: int) -> None:
    """Portable bulk load: one row, then INSERT … SELECT of every row shifted by the count."""
    cur.execute(f"INSERT INTO {q} (id, k, c, pad) VALUES ({_VALUES.format(i=1, n=rows)})")
    have = 1
    while have < rows:
        take = min(have, rows - have)
        vals = _VALUES.format(i=f"(id + {have})", n=rows)
        cur.execute(f"INSERT INTO {q} (id, k, c, pad) SELECT {vals} FROM {q} WHERE id <= {take}")
        have += take


def checksum(target: Target, schema: str, table: str) -> int:
    conn = _connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CHECKSUM TABLE `{schema}`.`{table}`")
            row = cur.fetchone()
            return int(row[1]) if row and row[1] is not None else -1
    finally:
        conn.close()


def _server_settings(target: Target) -> str:
    """An autocommit UPDATE's time is mostly the redo-log flush, and a cold row's page read."""
    conn = _connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size, @@log_bin"
            )
            flush, pool, log_bin = cur.fetchone() or (None, 0, None)
    finally:
        conn.close()
    return (
        f"innodb_flush_log_at_trx_commit={flush}, buffer pool {int(pool) // 2**20} MiB, "
        f"log_bin={log_bin}"
    )


def table_bytes(target: Target, schema: str, table: str) -> tuple[int, int]:
    """(TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH): InnoDB estimates, fresh after ANALYZE."""
    conn = _connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA=%s AND TABLE_NAME=%s",
                (schema, table),
            )
            row = cur.fetchone()
            return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)
    finally:
        conn.close()


# --- branches ------------------------------------------------------------------------------------


class Branches:
    """Lifecycle on its own event loop, so the synchronous harness can time single calls."""

    def __init__(self, upstream: Target, prefix: str) -> None:
        self.prefix = prefix
        self.created: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._control = self._run(
            AioMysqlExecutor.connect(upstream.host, upstream.port, upstream.user, upstream.password)
        )
        self._run(catalog.ensure_schema(self._control))
        self.lc = Lifecycle(self._control)

    def _run(self, aw: Awaitable[T]) -> T:
        return self._loop.run_until_complete(aw)

    def create(self, name: str) -> tuple[str, float]:
        """Create a branch; returns its id and the seconds `Lifecycle.create` took."""

        async def timed() -> tuple[str, float]:
            t0 = time.perf_counter()
            info = await self.lc.create(name)
            return info.id, time.perf_counter() - t0

        self.created.append(name)
        return self._run(timed())

    def delete_all(self) -> None:
        for name in self.created:
            try:
                self._run(self.lc.delete(name, force=True))
            except Exception as exc:
                _log(f"could not delete branch {name}: {exc}")
        self.created.clear()

    def close(self) -> None:
        self._control.close()
        self._loop.close()


# --- measurements -----------------------------------------------------------------------------


def _timed(cur: Any, sql: str) -> float:
    t0 = time.perf_counter()
    cur.execute(sql)
    return (time.perf_counter() - t0) * 1000


@contextmanager
def _branch_conn(pp: ProxyProcess, branch: str) -> Iterator[Any]:
    """A proxy connection on `branch`, already past its first statement (session warm)."""
    kwargs = pp.target.pymysql_kwargs() | {"user": f"{pp.target.user}~{branch}"}
    conn = pymysql.connect(**kwargs, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchall()
        yield conn
    finally:
        conn.close()


def measure_size(
    s: Settings, br: Branches, pp: ProxyProcess, rows: int, load: tuple[bool, float]
) -> SizeFigures:
    fig = SizeFigures(rows, load[1], load[0], [], [], [])
    q = f"`{s.schema}`.`{table_name(rows)}`"
    names: list[str] = []
    for i in range(s.creates):
        name = f"{br.prefix}-{rows}-{i}"
        _, secs = br.create(name)
        fig.create_ms.append(secs * 1000)
        names.append(name)
    mid = rows // 2 + 1
    for name in names[: s.first_writes]:
        with _branch_conn(pp, name) as conn, conn.cursor() as cur:
            fig.first_write_ms.append(_timed(cur, f"UPDATE {q} SET k = k + 1 WHERE id = {mid}"))
            fig.second_write_ms.append(
                _timed(cur, f"UPDATE {q} SET k = k + 1 WHERE id = {mid + 1}")
            )
    return fig


def measure_storage(
    s: Settings, br: Branches, pp: ProxyProcess, modulus: int, share: str
) -> tuple[str, Storage]:
    """Change every `modulus`-th row of the focus table on a fresh branch; the overlay's size."""
    name = f"{br.prefix}-storage-{modulus}"
    bid, _ = br.create(name)
    table = table_name(s.focus)
    with _branch_conn(pp, name) as conn, conn.cursor() as cur:
        t0 = time.perf_counter()
        changed = cur.execute(
            f"UPDATE `{s.schema}`.`{table}` SET k = k + 1 WHERE id % {modulus} = 0"
        )
        update_s = time.perf_counter() - t0
    odb = overlay_db(bid, s.schema)
    conn = _connect(s.upstream)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA=%s", (odb,)
            )
            names = [str(r[0]) for r in cur.fetchall()]
            for t in names:
                cur.execute(f"ANALYZE TABLE `{odb}`.`{t}`")
                cur.fetchall()
            count_exact = int(_one(cur, f"SELECT COUNT(*) FROM `{odb}`.`{table}`") or 0)
    finally:
        conn.close()
    ov_rows, ov_bytes = table_bytes(s.upstream, odb, table)
    tomb = [t for t in names if t != table]
    tomb_rows = tomb_bytes = 0
    for t in tomb:
        r, b = table_bytes(s.upstream, odb, t)
        tomb_rows, tomb_bytes = tomb_rows + r, tomb_bytes + b
    st = Storage(share, changed, update_s, ov_rows, ov_bytes, tomb_rows, tomb_bytes, count_exact)
    return name, st


VARIANTS = ("base direct", "base via proxy (no branch)", "branch copy-up", "branch copied row")


def measure_updates(
    s: Settings, pp: ProxyProcess, branch: str
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """One-row UPDATEs by PK, the four variants interleaved round by round, order rotating.

    The branch's table is already dirty (the storage step changed every 100th row), so a first
    touch pays the copy-up only, not the overlay creation. Ids avoid multiples of 100. The
    copied-row variant updates the row the previous round copied up.
    """
    base_q = f"`{s.schema}`.`{table_name(s.focus)}`"
    copy_q = f"`{s.schema}`.`{table_name(s.focus)}_copy`"
    rng = secrets.SystemRandom()
    need = 3 * s.updates + 1
    pool = [i for i in rng.sample(range(1, s.focus + 1), min(s.focus, 2 * need)) if i % 100]
    if len(pool) < need:
        raise RuntimeError(f"--focus {s.focus} has too few rows for {s.updates} UPDATEs")
    # Every variant updates its own fresh random rows: the first touch of a row may fetch its
    # page from disk, so two variants sharing a row would favour whichever ran second.
    ids_branch, ids_direct, ids_plain = (
        pool[k * s.updates : (k + 1) * s.updates] for k in range(3)
    )
    first_copied = pool[3 * s.updates]
    out: dict[str, list[float]] = {v: [] for v in VARIANTS}
    direct = _connect(s.upstream)
    plain = pymysql.connect(**pp.target.pymysql_kwargs(), autocommit=True)
    try:
        with _branch_conn(pp, branch) as bconn:
            cur_d, cur_p, cur_b = direct.cursor(), plain.cursor(), bconn.cursor()
            sql = "UPDATE {} SET k = k + 1 WHERE id = {}"
            cur_b.execute(sql.format(base_q, first_copied))  # so each round has a copied row
            prev = first_copied
            for n in range(s.updates):
                steps: list[tuple[str, Any, str]] = [
                    ("base direct", cur_d, sql.format(copy_q, ids_direct[n])),
                    ("base via proxy (no branch)", cur_p, sql.format(copy_q, ids_plain[n])),
                    ("branch copy-up", cur_b, sql.format(base_q, ids_branch[n])),
                    ("branch copied row", cur_b, sql.format(base_q, prev)),
                ]
                # Cyclic rotation: over any 4 rounds each variant runs once in each position.
                rotate = n % len(steps)
                for label, cur, stmt in steps[rotate:] + steps[:rotate]:
                    out[label].append(_timed(cur, stmt))
                prev = ids_branch[n]
            # Not timed: how many statements each variant costs the server on the client's
            # own connection (overlay DDL runs on the proxy's control connection, not counted).
            spare = pool[need : need + 3] if len(pool) >= need + 3 else pool[:3]
            counts = {
                "base direct": _statements(cur_d, sql.format(copy_q, spare[0])),
                "base via proxy (no branch)": _statements(cur_p, sql.format(copy_q, spare[1])),
                "branch copy-up": _statements(cur_b, sql.format(base_q, spare[2])),
                "branch copied row": _statements(cur_b, sql.format(base_q, spare[2])),
            }
    finally:
        direct.close()
        plain.close()
    return out, counts


def _statements(cur: Any, sql: str) -> int:
    """Statements the server ran for `sql` on this connection (session `Questions` delta)."""

    def questions() -> int:
        cur.execute("SHOW SESSION STATUS LIKE 'Questions'")
        row = cur.fetchone()
        return int(row[1]) if row else 0

    before = questions()
    cur.execute(sql)
    return questions() - before - 1  # the second SHOW counts itself


def run(s: Settings) -> Outcome:
    load_before = _loadavg()
    out = Outcome()
    loads: dict[int, tuple[bool, float]] = {}
    for rows in s.sizes:
        _log(f"base {s.schema}.{table_name(rows)} ({rows:,} rows)")
        loads[rows] = ensure_base(s.upstream, s.schema, table_name(rows), rows)
        _log(f"  {'created' if loads[rows][0] else 'reused'} in {loads[rows][1]:.1f}s")
    ensure_base(s.upstream, s.schema, f"{table_name(s.focus)}_copy", s.focus)
    before = {rows: checksum(s.upstream, s.schema, table_name(rows)) for rows in s.sizes}
    out.base_rows, out.base_bytes = table_bytes(s.upstream, s.schema, table_name(s.focus))
    prefix = f"benchbr-{secrets.token_hex(3)}"
    br = Branches(s.upstream, prefix)
    try:
        with running_proxy(s.upstream, command=s.proxy_cmd, extra_args=s.proxy_args) as pp:
            _log(f"proxy listening on {pp.target.host}:{pp.target.port}; branches {prefix}-*")
            for rows in s.sizes:
                fig = measure_size(s, br, pp, rows, loads[rows])
                _log(
                    f"{rows:>10,} rows: create median {statistics.median(fig.create_ms):.2f} ms,"
                    f" first write median {_median(fig.first_write_ms):.1f} ms"
                )
                out.sizes.append(fig)
            storage_branch = ""
            for modulus, share in ((1000, "0.1 %"), (100, "1 %")):
                storage_branch, st = measure_storage(s, br, pp, modulus, share)
                _log(
                    f"storage {share}: {st.changed:,} rows changed in {st.update_s:.2f}s,"
                    f" overlay {st.overlay_bytes:,} B + tombstones {st.tomb_bytes:,} B"
                )
                out.storage.append(st)
            out.update_ms, out.update_statements = measure_updates(s, pp, storage_branch)
            _log(
                "UPDATE by PK medians: "
                + ", ".join(f"{k} {_median(v):.3f} ms" for k, v in out.update_ms.items())
            )
            pp.check_alive()
            proxy_cmd = shlex.join(pp.command)
        br.delete_all()
        out.notes.append(f"Proxy exit status after SIGTERM: {pp.exit_code} (0 = graceful).")
        after = {rows: checksum(s.upstream, s.schema, table_name(rows)) for rows in s.sizes}
        out.checksums = [(table_name(r), before[r], after[r]) for r in s.sizes]
        out.facts = report.machine_facts(
            dataset.server_version(s.upstream),
            [
                ("load average (1 min) before / after", f"{load_before} / {_loadavg()}"),
                ("server durability and cache", _server_settings(s.upstream)),
                ("branchdb revision", report.source_revision()),
                ("upstream", s.upstream.url),
                ("proxy", proxy_cmd),
                (
                    "schedule",
                    f"{s.creates} creates per size, first write on {s.first_writes} of them; "
                    f"{s.updates} one-row UPDATEs per variant, interleaved round by round",
                ),
            ],
        )
        return out
    finally:
        br.delete_all()
        br.close()
        if s.drop_schema:
            dataset.drop_schema(s.upstream, s.schema)


# --- report ----------------------------------------------------------------------------------


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.2f}"


def render(out: Outcome, s: Settings) -> str:
    size_rows = [
        [
            f"{f.rows:,}",
            report.num(_median(f.create_ms), 2),
            report.num(min(f.create_ms), 2),
            report.num(max(f.create_ms), 2),
            report.num(_median(f.first_write_ms), 1),
            report.num(max(f.first_write_ms, default=float("nan")), 1),
            report.num(_median(f.second_write_ms), 2),
            f"{f.load_s:.1f} s" if f.loaded else "reused",
        ]
        for f in out.sizes
    ]
    storage_rows = []
    for st in out.storage:
        total = st.overlay_bytes + st.tomb_bytes
        storage_rows.append(
            [
                st.share,
                f"{st.changed:,}",
                f"{st.count_exact:,}",
                f"{st.update_s:.2f}",
                _mib(st.overlay_bytes),
                f"{st.tomb_rows:,}",
                _mib(st.tomb_bytes),
                _mib(total),
                f"{100 * total / out.base_bytes:.2f} %" if out.base_bytes else "n/a",
                report.num(total / st.changed if st.changed else float("nan")),
            ]
        )
    base = out.update_ms.get("base direct", [])
    upd_rows = [
        [
            label,
            str(len(v)),
            report.num(_median(v), 3),
            report.num(_pct(v, 0.9), 3),
            report.num(max(v, default=float("nan")), 3),
            report.ratio_str(report.ratio(_median(v), _median(base))),
            str(out.update_statements.get(label, "n/a")),
        ]
        for label, v in out.update_ms.items()
    ]
    ok = all(b == a for _, b, a in out.checksums)
    check_rows = [
        [t, str(b), str(a), "unchanged" if b == a else "**CHANGED**"] for t, b, a in out.checksums
    ]
    parts = [
        "# branchdb copy-on-write benchmark: branch creation, storage, copy-up",
        "",
        "Figures come from ONE run; compare inside this file only, never with another run or "
        "machine.",
        "",
        report.facts_list(out.facts),
        "",
        "## Branch creation and first write, by base size",
        "",
        "`create` = `Lifecycle.create` (a catalog insert), timed in-process on the control "
        "connection. `first write` = the first one-row UPDATE by PK on a new branch through the "
        "proxy (the overlay and tombstone tables are created, then the row is copied up); the "
        "connection ran `SELECT 1` before. `second write` = the next row, same connection.",
        "",
        report.table(
            [
                "base rows",
                "create median ms",
                "create min ms",
                "create max ms",
                "first write median ms",
                "first write max ms",
                "second write median ms",
                "base load",
            ],
            size_rows,
        ),
        "",
        f"## Overlay storage after changing rows of the {s.focus:,}-row table",
        "",
        f"`UPDATE … SET k = k + 1 WHERE id % m = 0` on a fresh branch through the proxy. Base "
        f"table: {out.base_rows:,} rows (estimate), {_mib(out.base_bytes)} MiB data + index. "
        "Sizes are information_schema after ANALYZE TABLE of the overlay schema (InnoDB "
        "allocates in 16 KiB pages, so small overlays round up).",
        "",
        report.table(
            [
                "changed",
                "rows updated",
                "overlay rows (COUNT)",
                "UPDATE s",
                "overlay MiB",
                "tombstone rows (est.)",
                "tombstone MiB",
                "overlay total MiB",
                "of base bytes",
                "bytes per changed row",
            ],
            storage_rows,
        ),
        "",
        f"## One-row UPDATE by PK ({s.focus:,}-row table)",
        "",
        "Interleaved round by round, order rotating; each variant updates its own random rows "
        "(a row's first touch may read its page from disk). `base direct` and `base via proxy "
        "(no branch)` update a copy of the base (same size and content) so the measured base "
        "stays untouched. `branch copy-up` is the first touch of a row on a branch whose table is "
        "already dirty; `branch copied row` updates a row the branch already holds. Branch "
        "statements go through the proxy. The last column is the server's session `Questions` "
        "delta for one more UPDATE of each kind (untimed): the statements the proxy ran on the "
        "client's own upstream connection for it (overlay DDL, on the control connection, is "
        "not counted).",
        "",
        report.table(
            [
                "variant",
                "n",
                "median ms",
                "p90 ms",
                "max ms",
                "median ÷ base direct",
                "statements on the client's upstream connection",
            ],
            upd_rows,
        ),
        "",
        "## Base untouched",
        "",
        report.table(["table", "CHECKSUM before", "CHECKSUM after", ""], check_rows),
        "",
        f"**Base checksums {'unchanged' if ok else 'CHANGED'}** after all branch work.",
        "",
        *out.notes,
        "",
    ]
    return "\n".join(parts)


# --- CLI -------------------------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--upstream", default=default_upstream_url(), help="mysql:// URL of the server")
    p.add_argument(
        "--sizes",
        default=None,
        help="base sizes in rows (default 10000,1000000,10000000; quick 1000,5000)",
    )
    p.add_argument(
        "--focus",
        type=int,
        default=None,
        help="size used for storage and UPDATE figures (default 1000000 if listed, else the "
        "largest size)",
    )
    p.add_argument("--creates", type=int, default=None, help="creates per size (default 20)")
    p.add_argument("--updates", type=int, default=None, help="UPDATEs per variant (default 200)")
    p.add_argument("--schema", default=SCHEMA)
    p.add_argument("--drop-schema", action="store_true", help="drop the schema when done")
    p.add_argument("--quick", action="store_true", help="small sizes and counts, seconds")
    p.add_argument(
        "--out", default="bench/results/branching.md", help="markdown file ('-' = print only)"
    )
    p.add_argument("--proxy-cmd", default=None, help="command that runs the branchdb CLI")
    p.add_argument("--proxy-arg", action="append", default=[], help="extra `serve` argument")


def settings_from(ns: argparse.Namespace) -> Settings:
    quick = bool(ns.quick)
    default_sizes = "1000,5000" if quick else "10000,1000000,10000000"
    sizes = [int(x) for x in str(ns.sizes or default_sizes).split(",") if x.strip()]
    focus = ns.focus or (1_000_000 if 1_000_000 in sizes else max(sizes))
    if focus not in sizes:
        raise SystemExit(f"--focus {focus} is not one of --sizes")
    creates = ns.creates or (5 if quick else 20)
    return Settings(
        upstream=Target.from_url(ns.upstream),
        sizes=sizes,
        focus=focus,
        creates=creates,
        first_writes=min(creates, 2 if quick else 5),
        updates=ns.updates or (30 if quick else 200),
        schema=ns.schema,
        out=None if ns.out == "-" else Path(ns.out),
        drop_schema=bool(ns.drop_schema),
        proxy_cmd=shlex.split(ns.proxy_cmd) if ns.proxy_cmd else None,
        proxy_args=list(ns.proxy_arg),
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="branchdb bench branching", description=__doc__)
    add_arguments(p)
    s = settings_from(p.parse_args(argv))
    text = render(run(s), s)
    print(text)
    if s.out is not None:
        s.out.parent.mkdir(parents=True, exist_ok=True)
        s.out.write_text(text)
        _log(f"wrote {s.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
