"""BranchEngine: decides, per statement of a branch session, how to run it on the branch.

Clean statements pass through untouched; reads of dirty tables are spliced to merged views and
relayed; writes and the DDL subset are run here on the client's own connection (overlay DML) and
on the control connection (overlay DDL, catalog), then answered with an OK or an error.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import weakref

from sqlglot import exp

from branchdb.sqlrewrite.classify import Kind, classify_one
from branchdb.sqlrewrite.reads import replacement_edits
from branchdb.sqlrewrite.refs import (
    TableRef,
    Unparseable,
    all_table_refs,
    locking_clause_spans,
    parsed,
    splice,
    tokenize,
)

from . import catalog
from .catalog import BranchInfo, TableState, upsert_table_sql
from .executor import Executor, UpstreamError, quote_ident, text
from .fkchecks import fk_checks_off
from .grants import current_grantee, mirror_grants
from .infoschema import InfoTable, branch_table_sql, load_info_tables
from .lifecycle import Lifecycle
from .metadata import answer_metadata
from .metadata_guard import refuse_internal, touches_metadata
from .naming import OVERLAY_PREFIX, branch_of_overlay, is_internal_db, overlay_db, tomb_table
from .outcome import (
    EngineError,
    ErrorReply,
    Outcome,
    Passthrough,
    RelayQuery,
    StatementContext,
    no_such_table,
    not_supported,
)
from .overlayddl import overlay_create_sql
from .readcache import ReadCache, cacheable
from .storage import (
    filtered_view,
    merged_view,
    tomb_ddl,
    trigger_ddl,
)
from .tablemeta import TableMeta, auto_increment_of, load_metas, load_table_meta, qualified

#: A `name.` or `` `name`. `` qualifier in lower-cased SQL (candidates for a database name; the
#: cheap pre-check looks them up instead of searching the text for every database's name).
_QUALIFIER = re.compile(r"`((?:[^`]|``)+)`\s*\.|([0-9a-z_$\u0080-\uffff]+)\s*\.")
SYSTEM_DBS = frozenset({"information_schema", "mysql", "performance_schema", "sys"})
Edit = tuple[int, int, str]


class BranchEngine:
    def __init__(self, control: Executor) -> None:
        self.control = control
        self._lock = asyncio.Lock()
        self._meta: dict[tuple[str, str], TableMeta | None] = {}
        self._read_cache = ReadCache()
        self.charsets: dict[int, str] = {}
        #: information_schema tables a branch read sees through `infoschema` (read at start).
        self.info_tables: dict[str, InfoTable] = {}
        self.flavor = "mysql"
        self._gen = 0
        self._prepared: set[tuple[str, str]] = set()
        self._prepared_branches: set[str] = set()
        self._prepared_lower: dict[str, set[str]] = {}
        #: Lower-case names of the server's user databases (for the cheap pre-check).
        self._all_dbs: frozenset[str] = frozenset()
        self._branches: dict[str, BranchInfo] = {}
        self._granted: weakref.WeakKeyDictionary[Executor, set[str]] = weakref.WeakKeyDictionary()
        self._grantees: dict[str, set[str]] = {}
        self._version = -1
        self._checked = 0.0
        self.lifecycle = Lifecycle(control)
        #: Seconds between checks of the catalog version (changes made by other replicas).
        self.refresh_interval = 1.0
        #: Tables of at most this many base rows are copied whole on a write (0: never). The
        #: proxy sets it from `serve --materialize-below` (default 1,000); an engine built
        #: directly (tests of the copy-on-write mechanics) leaves it off.
        self.materialize_below = 0
        self._size_checked: set[tuple[str, str, str]] = set()

    async def start(self) -> None:
        """Create/upgrade the catalog and read the server's charset numbers. Call once."""
        async with self._lock:
            await catalog.ensure_schema(self.control)
            res = await self.control.query(
                "SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS"
            )
            self.charsets = {int(text(r[0]) or 0): text(r[1]) or "" for r in res.rows}
            self.info_tables = await load_info_tables(self.control)
            await self._load_dbs()
            res = await self.control.query("SELECT VERSION()")
            self.flavor = (
                "mariadb" if "mariadb" in (text(res.rows[0][0]) or "").lower() else "mysql"
            )
            # Overlay DDL must never wait for long on a metadata lock held by a client of this
            # very engine (that client waits for us): fail the statement instead.
            await self.control.query("SET SESSION lock_wait_timeout = 10")
            if self.flavor == "mysql":
                await self.control.query("SET SESSION information_schema_stats_expiry = 0")

    # ----------------------------------------------------------------- branches

    async def branch(
        self,
        name_or_id: str,
        *,
        create: bool = True,
        mode: str = "all",
        ttl_secs: int | None = None,
    ) -> BranchInfo:
        """The shared BranchInfo of a branch (created on first use when `create`).

        Every session of a branch must use the same object: the engine updates its table states
        in place when one session makes a table dirty, and the others must see it at once.
        """
        await self._refresh_if_stale()
        for cached in self._branches.values():
            if name_or_id in (cached.name, cached.id):
                return cached
        async with self._lock:
            info = await catalog.load_branch(self.control, name_or_id)
            if info is None and create:
                try:
                    await catalog.insert_branch(
                        self.control,
                        name_or_id,
                        mode,
                        parent=None,
                        filters={},
                        ttl_secs=ttl_secs,
                        owner="",
                        protected=False,
                    )
                except catalog.CatalogError:
                    pass  # another replica created it meanwhile
                info = await catalog.load_branch(self.control, name_or_id)
            if info is None:
                raise catalog.CatalogError(f"no branch {name_or_id!r}")
            return self._branches.setdefault(info.id, info)

    async def _refresh_if_stale(self) -> None:
        """Reload cached branches when another replica (or the CLI) changed the catalog."""
        now = time.monotonic()
        if now - self._checked < self.refresh_interval:
            return
        self._checked = now
        async with self._lock:
            version = await catalog.catalog_version(self.control)
            await self._load_dbs()
            if version == self._version:
                return
            self._version = version
            for bid, info in list(self._branches.items()):
                fresh = await catalog.load_branch(self.control, bid)
                if fresh is None:
                    del self._branches[bid]
                    continue
                if set(fresh.tables) != set(info.tables):
                    self._prepared = {k for k in self._prepared if k[0] != bid}
                info.tables.clear()
                info.tables.update(fresh.tables)
                info.databases.clear()
                info.databases.update(fresh.databases)
                info.filters = fresh.filters
                info.refresh_watch()

    async def refresh(self) -> None:
        """Pick up other replicas' catalog changes now (at most once per `refresh_interval`).

        Statements that pass through never reach the engine, so a proxy calls this on a timer to
        keep `may_touch_dirty` current for tables another replica made dirty.
        """
        await self._refresh_if_stale()
        async with self._lock:
            await self._load_dbs()  # databases created since: may_touch_dirty must know them

    async def prepare_session(self, branch: BranchInfo, db: str | None) -> None:
        """What a new session of `branch` needs before its first statement: the current list of
        databases (so statements naming one not yet prepared reach the engine) and the overlays
        of its database."""
        async with self._lock:
            await self._load_dbs()
        await self.prepare(branch, db)

    async def note_catalog_change(self) -> None:
        """Our own catalog writes bump the version: do not reload for them."""
        self._version = await catalog.catalog_version(self.control)

    async def _load_dbs(self) -> None:
        res = await self.control.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
        names = (text(r[0]) or "" for r in res.rows)
        self._all_dbs = frozenset(
            n.lower() for n in names if n not in SYSTEM_DBS and not is_internal_db(n)
        )

    # ----------------------------------------------------------------- cheap pre-check

    def may_touch_dirty(self, branch: BranchInfo, sql: str, current_db: str | None = None) -> bool:
        """False only when the statement certainly reads no table that differs on the branch.

        A case-insensitive substring search for the branch's dirty or filtered table names: no
        parse, microseconds. Modes other than `all` hide or filter every base table, so every
        statement needs the engine there. Writes always need it (callers check the kind).
        """
        if branch.mode != "all":
            return True
        if current_db is not None and current_db.lower() == "information_schema":
            return True  # unqualified information_schema tables: the branch's view of them
        if branch.id not in self._prepared_branches:
            return True  # once: let the engine prepare overlays before a transaction reads
        low = sql.lower()
        if touches_metadata(low):
            return True  # SHOW/DESCRIBE, information_schema, internal schemas (metadata_guard)
        if "." in low:
            done = self._prepared_lower.get(branch.id, set())
            for m in _QUALIFIER.finditer(low):
                d = m.group(2) or m.group(1).replace("``", "`")
                if d in self._all_dbs and d not in done:
                    return True  # a database this branch has not prepared yet
        if not branch.watch:
            return False
        return any(name in low for name in branch.watch)

    # ----------------------------------------------------------------- entry point

    async def plan_and_run(self, ctx: StatementContext, client: Executor) -> Outcome:
        try:
            await self._refresh_if_stale()
            return await self._plan(ctx, client)
        except EngineError as e:
            return e.reply
        except UpstreamError as e:
            return ErrorReply(e.errno, e.sqlstate, e.message)

    async def _plan(self, ctx: StatementContext, client: Executor) -> Outcome:
        from . import ddl, writes  # local: these modules import the engine's helpers

        stmt = classify_one(ctx.sql)
        kind, kw = stmt.kind, stmt.keyword
        await refuse_internal(ctx, client)  # 1044 for `_branchdb`/`_bdb_*`: nothing runs
        if ctx.branch.id not in self._prepared_branches:
            async with self._lock:
                await self._load_dbs()  # databases created since the engine started
        await self.prepare(ctx.branch, ctx.current_db)  # a set lookup after the first time
        await self._grant(ctx, client)
        if kind == Kind.SESSION:
            if kw == "USE" and ctx.branch.databases:
                return ddl.use_outcome(ctx)  # databases created or dropped on the branch
            return Passthrough()
        if kind in (Kind.READ, Kind.LOCKING_READ):
            if kw in ("SHOW", "DESCRIBE", "DESC", "EXPLAIN"):
                return await answer_metadata(self, ctx, client)  # DESIGN §7
            if kw == "HELP":
                return Passthrough()
            return await self._read(ctx, locking=kind == Kind.LOCKING_READ)
        if kind in (Kind.WRITE, Kind.DDL) and ctx.branch.temp_names:
            from .ddl_temp import mentions_temp, route_temp

            if mentions_temp(ctx):  # this connection's temporary tables: not branch tables
                routed = await route_temp(self, ctx, client, kw)
                if routed is not None:
                    return routed
        if kind == Kind.WRITE:
            if kw in ("INSERT", "REPLACE", "UPDATE", "DELETE"):
                # Overlays carry the base's foreign keys but hold only changed rows: shown, not
                # enforced (a child row's parent may be an unchanged base row).
                async with fk_checks_off(client):
                    return await writes.run_write(self, ctx, client, kw)
            return self._reject(ctx, f"{kw}")
        if kind == Kind.DDL:
            return await ddl.run_ddl(self, ctx, client, kw)
        if kind == Kind.LOCK:
            return self._reject(ctx, kw)
        return self._reject(ctx, kw or "this statement")

    def _reject(self, ctx: StatementContext, what: str) -> Outcome:
        return not_supported(what).reply

    # ----------------------------------------------------------------- reads

    async def _read(self, ctx: StatementContext, locking: bool = False) -> Outcome:
        if locking:
            # FOR UPDATE / LOCK IN SHARE MODE would lock base rows: a branch never does. Its
            # own rows need no lock against the shared database's users.
            try:
                spans = locking_clause_spans(tokenize(ctx.sql))
            except Unparseable:
                raise not_supported("a locking read branchdb cannot parse") from None
            if spans:
                inner = StatementContext(
                    ctx.branch,
                    ctx.current_db,
                    splice(ctx.sql, [(s, e, "") for s, e in spans]),
                    ctx.in_transaction,
                    ctx.autocommit,
                    ctx.found_rows,
                )
                out = await self._read(inner)
                return RelayQuery(inner.sql) if isinstance(out, Passthrough) else out
        if not self.may_touch_dirty(ctx.branch, ctx.sql, ctx.current_db):
            return Passthrough()
        hit = self._read_cache.get(ctx.branch, ctx.current_db, ctx.sql, self._meta)
        if hit is not None:
            return Passthrough() if hit.sql is None else RelayQuery(hit.sql)
        in_infoschema = (ctx.current_db or "").lower() == "information_schema"
        return await self._plan_read(ctx, in_infoschema)

    def remembered_read(self, branch: BranchInfo, db: str | None, sql: str) -> str | None:
        """The statement to send for a read this engine has planned before and whose plan still
        holds (`sql` itself: pass it through), or None when the engine must see it."""
        hit = self._read_cache.get(branch, db, sql, self._meta)
        if hit is None:
            return None
        return sql if hit.sql is None else hit.sql

    async def _plan_read(self, ctx: StatementContext, in_infoschema: bool) -> Outcome:
        try:
            tokens, tree = parsed(ctx.sql)  # remembered: reads repeat
        except Unparseable:
            if self._tokens_mention_watched(ctx):
                raise not_supported(
                    "a statement branchdb cannot parse, on a changed table,"
                ) from None
            return Passthrough()
        refs = all_table_refs(tree, tokens)
        for db in {r.db for r in refs if r.db is not None}:
            await self.prepare(ctx.branch, db)
        pairs = await self._read_pairs(ctx, refs)
        names = [(r.db or ctx.current_db or "", r.name) for r in refs]
        remember = not in_infoschema and all(
            db and db.lower() != "information_schema" for db, _ in names
        )
        remember = remember and cacheable(
            self._meta.get((ts.overlay_db, ts.overlay_table))
            for ts in (ctx.branch.tables.get(k) for k in names)
            if ts is not None
        )

        def done(sql: str | None, planned: bool = False) -> Outcome:
            if remember:
                self._read_cache.put(ctx.branch, ctx.current_db, ctx.sql, sql, names, self._meta)
            return Passthrough() if sql is None else RelayQuery(sql, planned)

        if not pairs:
            return done(None)
        locks = locking_clause_spans(tokens)
        if not locks:
            from .readhook import planned_read  # local: it imports the engine's helpers

            planned = await planned_read(
                self, ctx.branch, ctx.current_db, ctx.sql, tokens, tree, pairs
            )
            if planned is not None:
                return done(planned, planned=True)
        edits = replacement_edits(tree, pairs)
        edits.extend((s, e, "") for s, e in locks)
        return done(splice(ctx.sql, edits))

    def _tokens_mention_watched(self, ctx: StatementContext) -> bool:
        if ctx.branch.mode != "all":
            return True
        try:
            tokens = tokenize(ctx.sql)
        except Unparseable:
            return True
        return any(t.text.lower() in ctx.branch.watch for t in tokens)

    async def read_edits(
        self,
        ctx: StatementContext,
        refs: list[TableRef],
        tree: object,
        *,
        skip: frozenset[int] = frozenset(),
    ) -> list[Edit]:
        """Edits that put each changed table's branch version in place of its reference."""
        pairs = await self._read_pairs(ctx, refs, skip)
        if not pairs or not isinstance(tree, exp.Expression):
            return []
        return replacement_edits(tree, pairs)

    async def _read_pairs(
        self, ctx: StatementContext, refs: list[TableRef], skip: frozenset[int] = frozenset()
    ) -> list[tuple[TableRef, str]]:
        """Each reference that reads differently on the branch, with its naive replacement."""
        pairs: list[tuple[TableRef, str]] = []
        for ref in refs:
            if ref.start in skip:
                continue
            db = ref.db or ctx.current_db
            if db is None:
                continue
            rep = await self.read_text(ctx.branch, db, ref.name, sql=ctx.sql)
            if rep is not None:
                pairs.append((ref, rep))
        return pairs

    async def read_text(
        self, branch: BranchInfo, db: str, name: str, *, sql: str = ""
    ) -> str | None:
        """What stands for `db.name` in a read on this branch; None keeps the base table.
        (`sql`, the client's statement, only shapes information_schema's column headers.)"""
        if db.lower() == "information_schema":
            info = self.info_tables.get(name.upper())
            if info is None:
                return None
            return branch_table_sql(info, branch, sql=sql, flavor=self.flavor)
        if db in SYSTEM_DBS or is_internal_db(db):
            return None
        ts = branch.tables.get((db, name))
        if ts is not None:
            if ts.state == "dropped":
                raise no_such_table(db, name)
            base = await self.meta(*ts.base_key) if ts.state == "cow" else None
            overlay = await self.meta(ts.overlay_db, ts.overlay_table)
            if overlay is None:
                raise no_such_table(db, name)
            if overlay.is_view:  # a view made on the branch: its SELECT over branch tables
                from .ddl_view import view_text  # local: it imports this module

                return f"({await view_text(self, branch, ts.overlay_db, ts.overlay_table)})"
            return merged_view(ts, base, overlay, self.base_filter(branch, *ts.base_key))
        filt = self.base_filter(branch, db, name)
        if filt is None:
            return None
        base = await self.meta(db, name)
        if base is None:
            return None  # let the server report the missing table
        if filt == "HIDDEN":
            raise no_such_table(db, name)
        return filtered_view(base, filt)

    def base_filter(self, branch: BranchInfo, db: str, name: str) -> str | None:
        """The condition on base rows the branch shows: None (all), '0' (none), 'HIDDEN' (no
        such table on the branch: `empty` mode), or the user's WHERE text."""
        f = branch.filters.get(f"{db}.{name}") or branch.filters.get(name)
        if branch.mode in ("all", "filtered"):
            return f
        if branch.mode == "schema":
            return f or "0"
        return f or "HIDDEN"  # empty

    async def _grant(self, ctx: StatementContext, client: Executor) -> None:
        """Mirror the client account's schema privileges onto the branch's overlay schemas,
        once per client connection; overlays created later are granted to every account seen
        on the branch (`_grant_new`)."""
        try:
            seen = self._granted.setdefault(client, set())
        except TypeError:  # not weak-referenceable: ask every time (one cheap query)
            seen = set()
        if ctx.branch.id in seen:
            return
        seen.add(ctx.branch.id)
        grantee = await current_grantee(client)
        known = self._grantees.setdefault(ctx.branch.id, set())
        if grantee in known:
            return
        known.add(grantee)
        async with self._lock:
            for db in await self._overlaid_dbs(ctx.branch):
                await mirror_grants(self.control, ctx.branch.id, db, grantee)

    async def _overlaid_dbs(self, branch: BranchInfo) -> list[str]:
        """Base databases that have an overlay schema on this branch."""
        head = f"{OVERLAY_PREFIX}{branch.id}_"
        res = await self.control.query(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"
            f" WHERE LEFT(SCHEMA_NAME, {len(head)}) = {_q(head)}"
        )
        ovdbs = {text(r[0]) or "" for r in res.rows}
        res = await self.control.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
        return [
            d
            for d in (text(r[0]) or "" for r in res.rows)
            if not is_internal_db(d) and overlay_db(branch.id, d) in ovdbs
        ]

    async def grant_new(self, branch: BranchInfo, db: str) -> None:
        """New overlay tables in `db`: give them to every account seen on the branch.
        Call with the control lock held."""
        for grantee in self._grantees.get(branch.id, ()):
            await mirror_grants(self.control, branch.id, db, grantee)

    def forget_branch(self, branch_id: str) -> None:
        """Drop what this engine remembers of a branch (after reset/delete)."""
        self._prepared = {k for k in self._prepared if k[0] != branch_id}
        self._prepared_branches.discard(branch_id)
        self._prepared_lower.pop(branch_id, None)
        self._read_cache.forget_branch(branch_id)
        self._meta = {k: v for k, v in self._meta.items() if branch_id not in k[0]}

    # ----------------------------------------------------------------- metadata

    async def meta(self, db: str, table: str) -> TableMeta | None:
        key = (db, table)
        if key not in self._meta:
            async with self._lock:
                self._meta[key] = await load_table_meta(self.control, db, table)
        return self._meta[key]

    async def auto_increment(self, db: str, table: str) -> int | None:
        async with self._lock:
            return await auto_increment_of(self.control, db, table)

    def remember_meta(self, db: str, table: str, meta: TableMeta) -> None:
        """Record a table's metadata learnt otherwise (e.g. from an ALTER's trial run)."""
        self._meta[(db, table)] = meta

    def forget_meta(self, db: str, table: str) -> None:
        self._meta.pop((db, table), None)

    def next_gen(self) -> int:
        self._gen += 1
        return (id(self) % 1_000_000) * 1_000_000_000 + self._gen

    # ----------------------------------------------------------------- making tables dirty

    async def ensure_dirty(
        self, branch: BranchInfo, db: str, name: str, *, ctx: StatementContext | None = None
    ) -> TableState:
        """The table's overlay on this branch, created (DDL on the control connection) on the
        branch's first write to it.

        With the writing statement's `ctx`, a table of at most `materialize_below` base rows is
        materialized (copied whole, so reads become plain queries on the overlay) when the
        client has no open transaction: a copy made outside an open transaction would be
        invisible to that transaction's snapshot. A table first written inside a transaction
        stays `cow` and is materialized by a later write made outside one.
        """
        if db in SYSTEM_DBS or is_internal_db(db):
            raise not_supported(f"writing to schema {db}")
        await self.prepare(branch, db)
        ts = branch.tables.get((db, name))
        if ts is not None:
            if ts.state == "dropped":
                raise no_such_table(db, name)
            if ctx is not None and not ctx.in_transaction and ts.state == "cow":
                await self._materialize_if_small(branch, ts)
            return ts
        filt = self.base_filter(branch, db, name)
        if filt == "HIDDEN":
            raise no_such_table(db, name)
        base = await self.meta(db, name)
        if base is None:
            raise no_such_table(db, name)
        if base.is_view:
            raise not_supported("writing through a view")
        ovdb = overlay_db(branch.id, db)
        state = "cow" if filt != "0" else "materialized"
        ts = TableState(db, name, state, ovdb, name, tomb_table(name))
        async with self._lock:
            if (db, name) in branch.tables:
                return branch.tables[(db, name)]
            await self._make_dirty(ts, base, filt)
            await self.grant_new(branch, db)
            await catalog.in_transaction(self.control, [upsert_table_sql(branch.id, ts)])
            branch.tables[(db, name)] = ts
            branch.refresh_watch()
        self.forget_meta(ovdb, name)
        if ctx is not None and not ctx.in_transaction and ts.state == "cow":
            await self._materialize_if_small(branch, ts)
        return ts

    async def _materialize_if_small(self, branch: BranchInfo, ts: TableState) -> None:
        """Materialize a `cow` table whose base has at most `materialize_below` rows (checked
        once per table and engine: the information_schema estimate, then an exact bounded
        COUNT when the estimate is small)."""
        key = (branch.id, ts.base_db, ts.table)
        limit = self.materialize_below
        if limit <= 0 or key in self._size_checked:
            return
        self._size_checked.add(key)
        bdb, btable = ts.base_key
        res = await self.control.query(
            "SELECT TABLE_ROWS FROM information_schema.TABLES"
            f" WHERE TABLE_SCHEMA = {_q(bdb)} AND TABLE_NAME = {_q(btable)}"
        )
        estimate = int(text(res.rows[0][0]) or "0") if res.rows else None
        if estimate is None or estimate > 10 * limit:
            return
        res = await self.control.query(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {qualified(bdb, btable)} LIMIT {limit + 1}) AS c"
        )
        if int(text(res.rows[0][0]) or "0") > limit:
            return
        from .materialize import materialize  # local: it imports this module

        try:
            # Best effort: another session's uncommitted write to this table holds overlay
            # rows the copy would need; then the table simply stays `cow` (nothing changed).
            await materialize(self, branch, ts, lock_wait=1)
        except UpstreamError:
            return

    async def prepare(self, branch: BranchInfo, db: str | None) -> None:
        """Create empty overlay tables for every base table of `db` ahead of need.

        InnoDB refuses (error 1412) to read a table created after a transaction's read view, so
        an overlay created in the middle of a client's transaction would be unreadable there.
        Preparing a database once per branch, before its sessions open transactions, avoids
        that: the overlays exist but the tables stay clean (nothing reads them) until written.
        """
        if db is None or db in SYSTEM_DBS or is_internal_db(db) or branch.mode == "empty":
            self._prepared_branches.add(branch.id)
            return
        key = (branch.id, db)
        if key in self._prepared:
            return
        async with self._lock:
            if key in self._prepared:
                return
            ovdb = overlay_db(branch.id, db)
            c = self.control
            res = await c.query(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA ="
                f" {_q(db)} AND TABLE_TYPE = 'BASE TABLE'"
            )
            wanted = [text(r[0]) or "" for r in res.rows]
            res = await c.query(
                f"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = {_q(ovdb)}"
            )
            have = {text(r[0]) or "" for r in res.rows}
            if wanted:
                await c.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ovdb)}")
            metas = await load_metas(c, db) if wanted else {}
            for name in wanted:
                base = metas.get(name)
                if name in have or (db, name) in branch.tables or base is None:
                    continue
                ts = TableState(db, name, "cow", ovdb, name, tomb_table(name))
                await self._build_overlay(ts, base, fresh=True)
            if wanted:
                await self.grant_new(branch, db)
            self._prepared.add(key)
            self._prepared_branches.add(branch.id)
            self._prepared_lower.setdefault(branch.id, set()).add(db.lower())

    async def _build_overlay(self, ts: TableState, base: TableMeta, *, fresh: bool = False) -> None:
        c = self.control
        await c.query(f"CREATE DATABASE IF NOT EXISTS {quote_ident(ts.overlay_db)}")
        res = await c.query(f"SHOW CREATE TABLE {qualified(base.db, base.table)}")
        branch_id = branch_of_overlay(ts.overlay_db)
        ddl = overlay_create_sql(
            text(res.rows[0][1]) or "",
            base.db,
            ts.overlay_db,
            ts.overlay_table,
            lambda other: overlay_db(branch_id, other),
        )
        async with fk_checks_off(c):  # its parents may be overlays not built yet
            await c.query(ddl)
        await c.query(tomb_ddl(ts, base))
        if base.primary_key:
            for sql in trigger_ddl(ts, base):
                if not (fresh and sql.startswith("DROP")):  # a new table has no triggers
                    await c.query(sql)

    async def _make_dirty(self, ts: TableState, base: TableMeta, filt: str | None) -> None:
        c = self.control
        ov = qualified(ts.overlay_db, ts.overlay_table)
        existed = await load_table_meta(c, ts.overlay_db, ts.overlay_table) is not None
        if not existed:
            await self._build_overlay(ts, base)
        ai = await auto_increment_of(c, base.db, base.table)
        ai_col = base.auto_increment_column
        if ai is not None and ai_col is not None and ai > 1:
            if not existed:
                await c.query(f"ALTER TABLE {ov} AUTO_INCREMENT = {ai}")
            else:
                # A prepared overlay may be in use by open transactions (metadata locks), so no
                # ALTER: a throw-away row moves the counter instead (DML, no table change).
                res = await c.query("SELECT @@SESSION.sql_mode")
                mode = text(res.rows[0][0]) or ""
                await c.query("SET SESSION sql_mode = ''")
                try:
                    async with fk_checks_off(c):  # the row has no parent: it never commits
                        await c.query("BEGIN")
                        await c.query(
                            f"INSERT INTO {ov} ({quote_ident(ai_col.name)}) VALUES ({ai - 1})"
                        )
                        await c.query(f"DELETE FROM {ov}")
                        if base.primary_key:
                            tomb = qualified(ts.overlay_db, ts.tomb_table)
                            await c.query(f"DELETE FROM {tomb}")
                        await c.query("COMMIT")
                finally:
                    await c.query(f"SET SESSION sql_mode = {_q(mode)}")

    async def save_table(
        self, branch: BranchInfo, ts: TableState | None, key: tuple[str, str]
    ) -> None:
        """Record a table's new state (None: forget it) in the catalog and the branch cache."""
        async with self._lock:
            if ts is None:
                await catalog.in_transaction(
                    self.control,
                    [
                        f"DELETE FROM `_branchdb`.branch_tables WHERE branch_id = "
                        f"{_q(branch.id)} AND base_db = {_q(key[0])} AND tbl = {_q(key[1])}"
                    ],
                )
                branch.tables.pop(key, None)
            else:
                await catalog.in_transaction(self.control, [upsert_table_sql(branch.id, ts)])
                branch.tables[key] = ts
            branch.refresh_watch()

    async def overlay_meta(self, ts: TableState) -> TableMeta:
        m = await self.meta(ts.overlay_db, ts.overlay_table)
        if m is None:
            raise no_such_table(ts.base_db, ts.table)
        return m


def _q(s: str) -> str:
    from .executor import quote_str

    return quote_str(s)


def column_map_json(m: dict[str, str]) -> str:
    return json.dumps(m)
