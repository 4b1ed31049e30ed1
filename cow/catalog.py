"""The `_branchdb` catalog: branches and their per-table state, on the upstream server itself.

Proxies keep nothing of their own but caches: every change here runs in a transaction on the
control connection and bumps `meta.catalog_version`, so any replica can tell its cache is stale.
Creating a branch is one INSERT, whatever the size of the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .executor import Executor, QueryResult, UpstreamError, quote_ident, quote_str, text
from .naming import CATALOG_DB, new_branch_id

SCHEMA_VERSION = 2
MODES = ("all", "schema", "empty", "filtered")
STATES = ("cow", "materialized", "created", "dropped")
DB_STATES = ("created", "dropped")

_C = quote_ident(CATALOG_DB)
_DDL = (
    f"CREATE DATABASE IF NOT EXISTS {_C}",
    f"CREATE TABLE IF NOT EXISTS {_C}.meta (k VARCHAR(64) PRIMARY KEY,"
    " v VARCHAR(255) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    f"CREATE TABLE IF NOT EXISTS {_C}.branches ("
    " id VARCHAR(16) NOT NULL PRIMARY KEY,"
    " name VARCHAR(191) NOT NULL UNIQUE,"
    " parent VARCHAR(16) NULL,"
    " mode VARCHAR(16) NOT NULL,"
    " filters LONGTEXT NOT NULL,"
    " created_at DATETIME(6) NOT NULL,"
    " ttl_secs BIGINT NULL,"
    " expires_at DATETIME(6) NULL,"
    " last_used_at DATETIME(6) NOT NULL,"
    " active_connections INT NOT NULL DEFAULT 0,"
    " owner VARCHAR(191) NOT NULL DEFAULT '',"
    " protected TINYINT NOT NULL DEFAULT 0"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    f"CREATE TABLE IF NOT EXISTS {_C}.branch_tables ("
    " branch_id VARCHAR(16) NOT NULL,"
    " base_db VARCHAR(64) NOT NULL,"
    " tbl VARCHAR(64) NOT NULL,"
    " state VARCHAR(16) NOT NULL,"
    " overlay_db VARCHAR(64) NOT NULL,"
    " overlay_table VARCHAR(64) NOT NULL,"
    " tomb_table VARCHAR(64) NOT NULL,"
    " column_map LONGTEXT NOT NULL,"
    " base_table_db VARCHAR(64) NOT NULL DEFAULT '',"
    " base_table VARCHAR(64) NOT NULL DEFAULT '',"
    " PRIMARY KEY (branch_id, base_db, tbl)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    f"CREATE TABLE IF NOT EXISTS {_C}.branch_databases ("
    " branch_id VARCHAR(16) NOT NULL,"
    " db VARCHAR(64) NOT NULL,"
    " state VARCHAR(16) NOT NULL,"
    " PRIMARY KEY (branch_id, db)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
)
#: Version 2: a table's base rows may live under another name than its branch name (RENAME).
_V2_COLUMNS = (
    ("base_table_db", "VARCHAR(64) NOT NULL DEFAULT '' AFTER column_map"),
    ("base_table", "VARCHAR(64) NOT NULL DEFAULT '' AFTER base_table_db"),
)


class CatalogError(Exception):
    """A lifecycle request that cannot be done (unknown branch, name taken, protected...)."""


@dataclass
class TableState:
    base_db: str
    table: str
    state: str  # cow | materialized | created | dropped
    overlay_db: str
    overlay_table: str
    tomb_table: str
    #: How base rows fill branch columns that do not read the base column of their own name:
    #: branch column -> "base:<column>" (renamed/changed) or an SQL constant (added column's
    #: default). Identity columns are absent (see storage.base_expr).
    column_map: dict[str, str] = field(default_factory=dict)
    #: Where the table's base rows live: (`base_table_db`, `base_table`). The same as the branch
    #: name (`base_db`, `table`) unless the table was renamed on the branch (RENAME TABLE), when
    #: a `cow` table keeps reading its base rows from the old name. Empty means "the same".
    base_table_db: str = ""
    base_table: str = ""

    def __post_init__(self) -> None:
        self.base_table_db = self.base_table_db or self.base_db
        self.base_table = self.base_table or self.table

    @property
    def base_key(self) -> tuple[str, str]:
        """(database, table) of the base table whose rows this branch table shows."""
        return (self.base_table_db, self.base_table)


@dataclass
class BranchInfo:
    """One branch as the engine sees it. The engine mutates `tables` as the branch is written."""

    id: str
    name: str
    mode: str
    filters: dict[str, str]  # "db.table" or "table" -> SQL WHERE on the base rows
    parent: str | None = None
    created_at: datetime | None = None
    ttl_secs: int | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    active_connections: int = 0
    owner: str = ""
    protected: bool = False
    tables: dict[tuple[str, str], TableState] = field(default_factory=dict)
    #: Databases that differ on the branch: name -> "created" (exists only on the branch, its
    #: tables are `created` ones in its overlay schema) or "dropped" (a base database hidden on
    #: the branch, with all its tables).
    databases: dict[str, str] = field(default_factory=dict)
    #: Lower-case names of temporary tables any session of the branch created (not persisted:
    #: they live and die with their connections; see `ddl_temp`).
    temp_names: set[str] = field(default_factory=set)
    #: Lower-case names of tables a statement must not pass through (dirty or filtered).
    watch: frozenset[str] = frozenset()

    def refresh_watch(self) -> None:
        names = {t for (_, t) in self.tables}
        names.update(k.rsplit(".", 1)[-1] for k in self.filters)
        self.watch = frozenset(n.lower() for n in names)


async def ensure_schema(control: Executor) -> None:
    """Create the catalog on first use, and upgrade it when an older version is found."""
    for ddl in _DDL:
        await control.query(ddl)
    await control.query(
        f"INSERT IGNORE INTO {_C}.meta (k, v) VALUES ('schema_version', '{SCHEMA_VERSION}'),"
        " ('catalog_version', '0')"
    )
    res = await control.query(f"SELECT v FROM {_C}.meta WHERE k = 'schema_version'")
    found = int(text(res.rows[0][0]) or "0")
    if found > SCHEMA_VERSION:
        raise CatalogError(
            f"catalog schema version {found} is newer than this branchdb ({SCHEMA_VERSION})"
        )
    # Upgrades from older versions, one step per version, each bumping schema_version.
    if found < 2:
        await _upgrade_to_2(control)


async def _upgrade_to_2(control: Executor) -> None:
    """Add the base-name columns (MySQL 8 has no ADD COLUMN IF NOT EXISTS: look first, and let
    a replica upgrading at the same moment win: 1060 duplicate column is fine)."""
    res = await control.query(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA ="
        f" {quote_str(CATALOG_DB)} AND TABLE_NAME = 'branch_tables'"
    )
    have = {(text(r[0]) or "").lower() for r in res.rows}
    for name, ddl in _V2_COLUMNS:
        if name in have:
            continue
        try:
            await control.query(f"ALTER TABLE {_C}.branch_tables ADD COLUMN {name} {ddl}")
        except UpstreamError as e:
            if e.errno != 1060:
                raise
    await in_transaction(
        control,
        [
            f"UPDATE {_C}.branch_tables SET base_table_db = base_db WHERE base_table_db = ''",
            f"UPDATE {_C}.branch_tables SET base_table = tbl WHERE base_table = ''",
            f"UPDATE {_C}.meta SET v = '2' WHERE k = 'schema_version' AND v = '1'",
        ],
    )


async def catalog_version(control: Executor) -> int:
    res = await control.query(f"SELECT v FROM {_C}.meta WHERE k = 'catalog_version'")
    return int(text(res.rows[0][0]) or "0")


async def in_transaction(control: Executor, statements: list[str]) -> None:
    """Run catalog changes atomically and bump the version that replicas watch."""
    await control.query("BEGIN")
    try:
        for sql in statements:
            await control.query(sql)
        await control.query(
            f"UPDATE {_C}.meta SET v = CAST(v AS UNSIGNED) + 1 WHERE k = 'catalog_version'"
        )
        await control.query("COMMIT")
    except BaseException:
        try:
            await control.query("ROLLBACK")
        finally:
            pass
        raise


_BRANCH_COLS = (
    "id, name, parent, mode, filters, created_at, ttl_secs, expires_at, last_used_at,"
    " active_connections, owner, protected"
)


def _branch_from_row(row: tuple[bytes | None, ...]) -> BranchInfo:
    vals = [text(v) for v in row]
    return BranchInfo(
        id=vals[0] or "",
        name=vals[1] or "",
        parent=vals[2],
        mode=vals[3] or "all",
        filters=json.loads(vals[4] or "{}"),
        created_at=_dt(vals[5]),
        ttl_secs=int(vals[6]) if vals[6] is not None else None,
        expires_at=_dt(vals[7]),
        last_used_at=_dt(vals[8]),
        active_connections=int(vals[9] or 0),
        owner=vals[10] or "",
        protected=(vals[11] or "0") != "0",
    )


def _dt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


async def load_branch(control: Executor, name_or_id: str) -> BranchInfo | None:
    q = quote_str(name_or_id)
    res = await control.query(
        f"SELECT {_BRANCH_COLS} FROM {_C}.branches WHERE name = {q} OR id = {q}"
        " ORDER BY name = " + q + " DESC LIMIT 1"
    )
    if not res.rows:
        return None
    info = _branch_from_row(res.rows[0])
    info.tables = await load_tables(control, info.id)
    info.databases = await load_databases(control, info.id)
    info.refresh_watch()
    return info


async def load_tables(control: Executor, branch_id: str) -> dict[tuple[str, str], TableState]:
    res = await control.query(
        "SELECT base_db, tbl, state, overlay_db, overlay_table, tomb_table, column_map,"
        f" base_table_db, base_table FROM {_C}.branch_tables"
        f" WHERE branch_id = {quote_str(branch_id)}"
    )
    out: dict[tuple[str, str], TableState] = {}
    for row in res.rows:
        v = [text(x) or "" for x in row]
        out[(v[0], v[1])] = TableState(
            v[0], v[1], v[2], v[3], v[4], v[5], json.loads(v[6] or "{}"), v[7], v[8]
        )
    return out


async def load_databases(control: Executor, branch_id: str) -> dict[str, str]:
    res = await control.query(
        f"SELECT db, state FROM {_C}.branch_databases WHERE branch_id = {quote_str(branch_id)}"
    )
    return {text(r[0]) or "": text(r[1]) or "" for r in res.rows}


def upsert_database_sql(branch_id: str, db: str, state: str | None) -> str:
    """Record a database's state on a branch (None: it is as in the base again)."""
    if state is None:
        return (
            f"DELETE FROM {_C}.branch_databases WHERE branch_id = {quote_str(branch_id)}"
            f" AND db = {quote_str(db)}"
        )
    assert state in DB_STATES
    return (
        f"REPLACE INTO {_C}.branch_databases (branch_id, db, state) VALUES"
        f" ({quote_str(branch_id)}, {quote_str(db)}, {quote_str(state)})"
    )


async def list_branches(control: Executor) -> list[BranchInfo]:
    res = await control.query(f"SELECT {_BRANCH_COLS} FROM {_C}.branches ORDER BY name")
    out = [_branch_from_row(r) for r in res.rows]
    for b in out:
        b.tables = await load_tables(control, b.id)
        b.databases = await load_databases(control, b.id)
        b.refresh_watch()
    return out


async def insert_branch(
    control: Executor,
    name: str,
    mode: str,
    *,
    parent: str | None,
    filters: dict[str, str],
    ttl_secs: int | None,
    owner: str,
    protected: bool,
) -> str:
    if mode not in MODES:
        raise CatalogError(f"unknown branch mode {mode!r} (expected one of {', '.join(MODES)})")
    if not name or len(name) > 191:
        raise CatalogError("a branch name must be 1 to 191 characters")
    branch_id = new_branch_id()
    ttl = "NULL" if ttl_secs is None else str(int(ttl_secs))
    expires = "NULL" if ttl_secs is None else f"NOW(6) + INTERVAL {int(ttl_secs)} SECOND"
    sql = (
        f"INSERT INTO {_C}.branches ({_BRANCH_COLS}) VALUES ("
        f"{quote_str(branch_id)}, {quote_str(name)}, "
        f"{'NULL' if parent is None else quote_str(parent)}, {quote_str(mode)}, "
        f"{quote_str(json.dumps(filters))}, NOW(6), {ttl}, {expires}, NOW(6), 0, "
        f"{quote_str(owner)}, {1 if protected else 0})"
    )
    try:
        await in_transaction(control, [sql])
    except UpstreamError as e:
        if e.errno == 1062:
            raise CatalogError(f"branch {name!r} already exists") from None
        raise
    return branch_id


def upsert_table_sql(branch_id: str, ts: TableState) -> str:
    return (
        f"REPLACE INTO {_C}.branch_tables (branch_id, base_db, tbl, state, overlay_db,"
        " overlay_table, tomb_table, column_map, base_table_db, base_table) VALUES ("
        f"{quote_str(branch_id)}, {quote_str(ts.base_db)}, {quote_str(ts.table)}, "
        f"{quote_str(ts.state)}, {quote_str(ts.overlay_db)}, {quote_str(ts.overlay_table)}, "
        f"{quote_str(ts.tomb_table)}, {quote_str(json.dumps(ts.column_map))}, "
        f"{quote_str(ts.base_table_db)}, {quote_str(ts.base_table)})"
    )


def row_values(res: QueryResult) -> list[list[str | None]]:
    return [[text(v) for v in r] for r in res.rows]


def as_dict(info: BranchInfo) -> dict[str, Any]:
    """A JSON-friendly view for the CLI."""
    return {
        "id": info.id,
        "name": info.name,
        "parent": info.parent,
        "mode": info.mode,
        "filters": info.filters,
        "created_at": info.created_at.isoformat() if info.created_at else None,
        "ttl_secs": info.ttl_secs,
        "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        "last_used_at": info.last_used_at.isoformat() if info.last_used_at else None,
        "active_connections": info.active_connections,
        "owner": info.owner,
        "protected": info.protected,
        "tables": [
            {"db": t.base_db, "table": t.table, "state": t.state} for t in info.tables.values()
        ],
        "databases": dict(info.databases),
    }
