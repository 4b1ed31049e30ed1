"""What a schema looks like to a client, captured so a branch can be compared with a real copy.

A snapshot holds the table list (SHOW TABLES), each table's SHOW CREATE TABLE (AUTO_INCREMENT=N
and schema names normalised away) and its rows in primary-key order. Errors are captured as
values, not raised: one comparison then reports every difference at once, which is what a triage
needs. The base fingerprint adds CHECKSUM TABLE, to prove a branch never changed shared data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pymysql

_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")


@dataclass(frozen=True)
class Failed:
    """A statement the server (or proxy) refused: compared by code and message."""

    errno: int
    message: str


@dataclass
class Snapshot:
    tables: list[str] | Failed
    create: dict[str, str | Failed] = field(default_factory=dict)
    rows: dict[str, list[tuple[Any, ...]] | Failed] = field(default_factory=dict)
    checksum: dict[str, Any] = field(default_factory=dict)


def _run(conn: pymysql.connections.Connection, sql: str) -> list[tuple[Any, ...]] | Failed:
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    except pymysql.err.MySQLError as e:
        code = e.args[0] if e.args and isinstance(e.args[0], int) else 0
        return Failed(code, str(e.args[-1]) if e.args else repr(e))


def normalise_create(text: str, schema_names: tuple[str, ...]) -> str:
    """Drop AUTO_INCREMENT=N; replace the compared schemas' names (and overlay names) by <db>."""
    text = _AUTO_INCREMENT.sub("", text)
    for name in schema_names:
        text = re.sub(rf"`(_bdb_[0-9a-z]+_)?{re.escape(name)}`", "`<db>`", text)
    return text


def primary_key(conn: pymysql.connections.Connection, schema: str, table: str) -> list[str]:
    """PK columns in key order, read directly (not through a branch) from the reference side."""
    got = _run(
        conn,
        "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
        f"WHERE TABLE_SCHEMA = '{schema}' AND TABLE_NAME = '{table}' "
        "AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
    )
    return [] if isinstance(got, Failed) else [str(r[0]) for r in got]


def snapshot(
    conn: pymysql.connections.Connection,
    schema: str,
    *,
    order_by: Mapping[str, str],
    columns: Mapping[str, str] | None = None,
    names: tuple[str, ...] = (),
    checksum: bool = False,
) -> Snapshot:
    """The schema `schema` as `conn` sees it (through the proxy on a branch, or directly).

    `order_by` maps each table to read to its ORDER BY list (from the reference side's keys, so
    both sides read in the same order); `columns` narrows a table's select list (e.g. to leave
    out Django's applied timestamps).
    """
    columns = columns or {}
    listed = _run(conn, f"SHOW TABLES FROM `{schema}`")
    snap = Snapshot(
        tables=listed if isinstance(listed, Failed) else sorted(str(r[0]) for r in listed)
    )
    for table in sorted(order_by):
        create = _run(conn, f"SHOW CREATE TABLE `{schema}`.`{table}`")
        snap.create[table] = (
            create
            if isinstance(create, Failed)
            else normalise_create(str(create[0][1]), (schema, *names))
        )
        select = columns.get(table, "*")
        snap.rows[table] = _run(
            conn, f"SELECT {select} FROM `{schema}`.`{table}` ORDER BY {order_by[table]}"
        )
        if checksum:
            summed = _run(conn, f"CHECKSUM TABLE `{schema}`.`{table}`")
            snap.checksum[table] = summed if isinstance(summed, Failed) else summed[0][1]
    return snap


def reference_order(conn: pymysql.connections.Connection, schema: str) -> dict[str, str]:
    """Every table of `schema` (read directly) with its PK as ORDER BY, else all its columns."""
    listed = _run(conn, f"SHOW TABLES FROM `{schema}`")
    assert not isinstance(listed, Failed), listed
    order: dict[str, str] = {}
    for (table,) in listed:
        pk = primary_key(conn, schema, str(table))
        if pk:
            order[str(table)] = ", ".join(f"`{c}`" for c in pk)
        else:
            cols = _run(conn, f"SHOW COLUMNS FROM `{schema}`.`{table}`")
            assert not isinstance(cols, Failed), cols
            order[str(table)] = ", ".join(str(i + 1) for i in range(len(cols)))
    return order


def differences(got: Snapshot, want: Snapshot, *, label: str = "branch") -> list[str]:
    """Readable lines, one per difference (empty when equal); `want` is the real copy."""
    out: list[str] = []
    if got.tables != want.tables:
        out.append(f"tables: {label} {got.tables} != real copy {want.tables}")
    for table in sorted(set(want.create) | set(got.create)):
        g, w = got.create.get(table), want.create.get(table)
        if g != w:
            out.append(f"SHOW CREATE TABLE {table}:\n  {label}: {g}\n  copy:   {w}")
        gr, wr = got.rows.get(table), want.rows.get(table)
        if gr != wr:
            out.append(f"rows of {table}: {_rows_diff(gr, wr, label)}")
        if got.checksum.get(table) != want.checksum.get(table):
            out.append(
                f"CHECKSUM TABLE {table}: {got.checksum.get(table)} != {want.checksum.get(table)}"
            )
    return out


def _rows_diff(got: Any, want: Any, label: str) -> str:
    if isinstance(got, Failed) or isinstance(want, Failed) or got is None or want is None:
        return f"{label} {got!r} / copy {want!r}"[:600]
    first = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    where = (
        f"first difference at row {first}: {label} {got[first]!r} / copy {want[first]!r}"
        if first is not None
        else "prefix equal"
    )
    return f"{len(got)} rows on {label}, {len(want)} on the copy; {where}"
