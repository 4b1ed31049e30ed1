"""COM_STMT_* details on a branch, byte level: re-prepare with types bound earlier, cursors over
merged reads, RESET/CLOSE, unknown ids. Each sequence runs on a branch and on a real copy."""

from __future__ import annotations

from typing import Any

from .helpers import admin, branch
from .rawstmt import ServerError, StmtClient

SETUP = (
    "CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20))",
    "INSERT INTO items VALUES " + ", ".join(f"({i}, 'v{i}')" for i in range(1, 11)),
)
CHANGE = "UPDATE items SET v = 'changed' WHERE id IN (2, 7)"
SELECT = "SELECT id, v FROM items WHERE id >= ? ORDER BY id"
CURSOR_TYPE_READ_ONLY = 1


def _err(e: ServerError) -> tuple[str, int]:
    return ("err", e.args[0].errno)


def sequence(c: StmtClient) -> list[Any]:
    out: list[Any] = []
    early, params, columns = c.prepare(SELECT)  # while `items` is clean
    out.append((params, columns))
    out.append(c.execute(early, [8]).rows)
    c.query(CHANGE)
    # Types were bound by the first execute: this one sends none (new-params-bound = 0).
    out.append(c.execute(early, [5], bind=False).rows)
    late, _, _ = c.prepare(SELECT)
    out.append(c.execute(late, [1], flags=CURSOR_TYPE_READ_ONLY).rows)  # rows come by FETCH
    pages = []
    while True:
        rows, done = c.fetch(late, 4)
        pages.append(rows)
        if done or not rows:
            break
    out.append(pages)
    out.append(c.execute(late, [9]).rows)  # a plain execute after the cursor
    c.reset(late)
    out.append(c.execute(late, [10], bind=False).rows)
    ins, params, columns = c.prepare("INSERT INTO items VALUES (?, 'new')")
    out.append((params, columns))
    out.append(c.execute(ins, [11]).rows)
    try:
        c.fetch(ins, 1)
    except ServerError as e:
        out.append(_err(e))
    c.close_stmt(late)
    for sid in (late, 999_999):
        try:
            c.execute(sid, [1])
        except ServerError as e:
            out.append(_err(e))
    out.append(c.execute(early, [9]).rows)
    return out


def test_statement_protocol_matches_real_copy(upstream: Any, proxy: Any, schema: str) -> None:
    copy = f"{schema}_copy"
    admin(upstream, f"USE `{schema}`", *SETUP)
    admin(upstream, f"CREATE DATABASE `{copy}`", f"USE `{copy}`", *SETUP)
    try:
        real = StmtClient(upstream.host, upstream.port, upstream.user, copy)
        want = sequence(real)
        real.close()
    finally:
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    with branch(upstream, "all") as name:
        c = StmtClient(proxy.host, proxy.port, f"{upstream.user}~{name}", schema)
        got = sequence(c)
        c.close()
    # Statement ids differ (they are not compared); everything else must not.
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"step {i}: branch {g!r} != copy {w!r}"
    assert len(want[4]) == 3  # the cursor was read in three pages
    assert admin(upstream, f"SELECT COUNT(*) FROM `{schema}`.items WHERE v = 'changed'") == [(0,)]


def test_statement_sees_change_made_by_another_session(
    upstream: Any, proxy: Any, schema: str
) -> None:
    """A statement prepared while the table was clean is re-planned when another connection on
    the same branch changes the table (the sessions share the branch's state)."""
    admin(upstream, f"USE `{schema}`", *SETUP)
    with branch(upstream, "all") as name:
        user = f"{upstream.user}~{name}"
        a = StmtClient(proxy.host, proxy.port, user, schema)
        sid, _, _ = a.prepare(SELECT)
        before = a.execute(sid, [9]).rows
        other = proxy.connect(user=user, database=schema, autocommit=True)
        try:
            with other.cursor() as cur:
                cur.execute("INSERT INTO items VALUES (42, 'from b')")
        finally:
            other.close()
        after = a.execute(sid, [9]).rows
        a.close()
    assert len(before) == 2
    assert len(after) == 3 and after[-1].endswith(b"from b")
    assert admin(upstream, f"SELECT COUNT(*) FROM `{schema}`.items") == [(10,)]


#: A comment holding the marker prefix makes the proxy run the read itself (text query, rows
#: re-encoded as binary), the path an engine plan that is neither passthrough nor relay takes.
EMULATED_READ = "/* 7391046205 */ SELECT id, v FROM items WHERE id >= ? ORDER BY id"


def emulated_sequence(c: StmtClient) -> list[Any]:
    out: list[Any] = []
    c.query(CHANGE)
    sid, params, _ = c.prepare(EMULATED_READ)
    out.append(params)
    out.append(c.execute(sid, [6]).rows)
    out.append(c.execute(sid, [1], flags=CURSOR_TYPE_READ_ONLY).rows)
    pages = []
    while True:
        rows, done = c.fetch(sid, 3)
        pages.append((rows, done))
        if done or not rows:
            break
    out.append(pages)
    try:
        c.fetch(sid, 1)  # the exhausted cursor is closed
    except ServerError as e:
        out.append(_err(e))
    out.append(c.execute(sid, [2], flags=CURSOR_TYPE_READ_ONLY).rows)
    c.reset(sid)  # closes the cursor
    try:
        c.fetch(sid, 1)
    except ServerError as e:
        out.append(_err(e))
    return out


def test_emulated_read_and_its_cursor_match_real_copy(
    upstream: Any, proxy: Any, schema: str
) -> None:
    copy = f"{schema}_copy"
    admin(upstream, f"USE `{schema}`", *SETUP)
    admin(upstream, f"CREATE DATABASE `{copy}`", f"USE `{copy}`", *SETUP)
    try:
        real = StmtClient(upstream.host, upstream.port, upstream.user, copy)
        want = emulated_sequence(real)
        real.close()
    finally:
        admin(upstream, f"DROP DATABASE IF EXISTS `{copy}`")
    with branch(upstream, "all") as name:
        c = StmtClient(proxy.host, proxy.port, f"{upstream.user}~{name}", schema)
        got = emulated_sequence(c)
        c.close()
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"step {i}: branch {g!r} != copy {w!r}"
    assert len(want[3]) == 4  # 10 rows in pages of 3
