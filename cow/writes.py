"""INSERT / REPLACE / UPDATE / DELETE on a branch.

One uniform strategy: copy up the base rows the statement can touch (a superset is harmless:
copy-up never changes the merged view), then run the user's own statement against the overlay,
with other changed tables replaced by merged views. The server itself then produces the affected
rows, warnings, LAST_INSERT_ID, duplicate-key errors, IGNORE / REPLACE / ON DUPLICATE KEY UPDATE
behaviour and CLIENT_FOUND_ROWS counting, exactly as on a real copy.

Unique keys: a write may give an overlay row a key that a visible base row already has. After the
statement, one join of the overlay with the base on each unique key finds such base rows; if there
are any, the statement is rolled back to its savepoint, those rows are copied up too, and the
statement runs again, so the server reports the 1062 (or applies IGNORE/REPLACE/ODKU) itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from branchdb.sqlrewrite.dml import (
    column_list_end,
    delete_layout,
    insert_source,
    update_layout,
)
from branchdb.sqlrewrite.reads import db_prefix_fixes
from branchdb.sqlrewrite.refs import (
    TableRef,
    Unparseable,
    all_table_refs,
    literal_sql,
    parse,
    splice,
    table_ref,
    tokenize,
)

from .catalog import TableState
from .engine import BranchEngine, Edit
from .executor import Executor, QueryResult, UpstreamError, quote_ident
from .literals import literal_from_result, literal_table
from .outcome import (
    NO_DB,
    EngineError,
    OkReply,
    Outcome,
    ResultReply,
    StatementContext,
    not_supported,
)
from .storage import (
    GEN_VAR,
    base_expr,
    copy_select_list,
    filter_match,
    insert_copied,
    mapped_base,
    tomb_match,
)
from .tablemeta import TableMeta, qualified

SAVEPOINT = "_bdb_stmt"
#: Where a statement takes a private copy of a joined table's rows (see Scratch).
_SCRATCH_MARK = re.compile(r"\{_bdb_j\d+\}")
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
MAX_ATTEMPTS = 4


class Atomic:
    """Statement atomicity around the engine's several queries on the client's connection."""

    def __init__(self, ctx: StatementContext, client: Executor) -> None:
        self.client = client
        self.current_db = ctx.current_db
        self.began = ctx.autocommit and not ctx.in_transaction

    async def begin(self) -> None:
        if self.began:
            await self.client.query("BEGIN")
        await self.client.query(f"SAVEPOINT {SAVEPOINT}")

    async def retry(self) -> None:
        await self.client.query(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")

    async def ok(self) -> None:
        if self.began:
            await self.client.query("COMMIT")
        else:
            await self.client.query(f"RELEASE SAVEPOINT {SAVEPOINT}")

    async def fail(self) -> None:
        try:
            if self.began:
                await self.client.query("ROLLBACK")
            else:
                await self.client.query(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
                await self.client.query(f"RELEASE SAVEPOINT {SAVEPOINT}")
        except UpstreamError:
            pass  # e.g. a deadlock already rolled the whole transaction back


@dataclass
class Target:
    ref: TableRef
    ts: TableState
    base: TableMeta | None
    overlay: TableMeta
    filt: str | None
    copy_sql: str | None = None  # SELECT of the base rows to copy up
    check_keys: bool = False  # run the unique-key check after the statement
    force_ai: int | None = None  # SET insert_id: the base handed out ids past the overlay's
    extra: list[tuple[bytes | None, ...]] = field(default_factory=list)

    @property
    def cow(self) -> bool:
        return self.ts.state == "cow" and self.base is not None


def _range(sql: str, edits: list[Edit], span: tuple[int, int]) -> str:
    lo, hi = span
    inside = [(s - lo, e - lo, t) for s, e, t in edits if s >= lo and e <= hi]
    return splice(sql[lo:hi], inside)


async def run_write(
    engine: BranchEngine, ctx: StatementContext, client: Executor, keyword: str
) -> Outcome:
    sql = ctx.sql
    try:
        tokens = tokenize(sql)
        if keyword == "REPLACE":
            # sqlglot reads REPLACE as an opaque command: parse it as the INSERT it mirrors
            # ("INSERT " has REPLACE's length, so every offset stays valid).
            first = next(t for t in tokens if t.text.upper() == "REPLACE")
            sql = sql[: first.start] + "INSERT " + sql[first.start + 7 :]
            tokens = tokenize(sql)
        sql = _blank_modifiers(sql, tokens)
        tokens = tokenize(sql)
        tree = parse(sql)
    except (Unparseable, StopIteration):
        raise not_supported(f"this form of {keyword}") from None
    if isinstance(tree, exp.Insert):
        return await _insert(engine, ctx, client, tree, tokens, replace=keyword == "REPLACE")
    if isinstance(tree, exp.Update):
        return await _update_delete(engine, ctx, client, tree, tokens, is_update=True)
    if isinstance(tree, exp.Delete):
        return await _update_delete(engine, ctx, client, tree, tokens, is_update=False)
    raise not_supported(f"this form of {keyword}")


_MODIFIERS = frozenset({"LOW_PRIORITY", "HIGH_PRIORITY", "DELAYED", "IGNORE", "QUICK"})


def _blank_modifiers(sql: str, tokens: list) -> str:  # type: ignore[type-arg]
    """Spaces in place of LOW_PRIORITY/IGNORE/QUICK/… after the verb, which sqlglot cannot parse
    there; offsets stay valid and the statement sent to the server keeps them."""
    i = 1
    while i < len(tokens) and tokens[i].text.upper() in _MODIFIERS:
        t = tokens[i]
        sql = sql[: t.start] + " " * (t.end + 1 - t.start) + sql[t.end + 1 :]
        i += 1
    return sql


async def _target(engine: BranchEngine, ctx: StatementContext, ref: TableRef) -> Target:
    db = ref.db or ctx.current_db
    if db is None:
        raise NO_DB
    ts = await engine.ensure_dirty(ctx.branch, db, ref.name, ctx=ctx)
    base = await engine.meta(*ts.base_key) if ts.state == "cow" else None
    overlay = await engine.overlay_meta(ts)
    return Target(ref, ts, base, overlay, engine.base_filter(ctx.branch, *ts.base_key))


def _in_subquery(node: exp.Expression, root: exp.Expression) -> bool:
    p = node.parent
    while p is not None and p is not root:
        if isinstance(p, (exp.Select, exp.Subquery, exp.Union)):
            return True
        p = p.parent
    return False


# --------------------------------------------------------------------------- UPDATE / DELETE


async def _update_delete(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Expression,
    tokens: list,  # type: ignore[type-arg]
    *,
    is_update: bool,
) -> Outcome:
    sql = ctx.sql
    layout = update_layout(sql, tokens) if is_update else delete_layout(sql, tokens)
    refs = all_table_refs(tree, tokens)
    if layout.targets is not None:  # `DELETE a, b FROM …`: names of references, not tables
        t_lo, t_hi = layout.targets
        refs = [r for r in refs if not t_lo <= r.start < t_hi]
    lo, hi = layout.refs
    top = [
        r
        for r in refs
        if lo <= r.start < hi and r.node is not None and not _in_subquery(r.node, tree)
    ]
    if not top:
        raise not_supported("this form of UPDATE/DELETE")
    multi = len(top) > 1 or layout.targets is not None
    if is_update:
        target_refs = _update_targets(tree, top) if len(top) > 1 else top
    elif layout.targets is None:
        target_refs = top[:1]
    else:
        target_refs = _delete_targets(tree, top)
    targets = [await _target(engine, ctx, r) for r in target_refs]
    target_starts = frozenset(t.ref.start for t in targets)
    set_cols = _set_columns(tree) if is_update else {}

    # The user's statement on the overlay: targets -> overlay tables, others -> branch views.
    user_edits = await engine.read_edits(ctx, refs, tree, skip=target_starts)
    for t in targets:
        ov = qualified(t.ts.overlay_db, t.ts.overlay_table)
        alias = "" if (t.ref.alias or not multi or is_update) else f" AS {quote_ident(t.ref.name)}"
        user_edits.append((t.ref.start, t.ref.end, ov + alias))
    user_edits.extend(db_prefix_fixes(tree, [t.ref for t in targets]))
    if not is_update and layout.targets is not None:
        user_edits.extend(_delete_target_list_fixes(tree))
    user_sql = splice(sql, user_edits)
    pending_user_edits = user_edits

    for t in targets:
        if not t.cow:
            continue
        assert t.base is not None
        if not t.base.primary_key:
            t.copy_sql = _whole_copy_sql(t)
            continue
        # Copy-up SELECT: this target's base rows, everything else as the branch sees it.
        others = [r for r in refs if r.start != t.ref.start]
        cu_edits = await engine.read_edits(ctx, others, tree)
        vis = t.ref.visible_name
        source = mapped_base(t.ts, t.base, t.overlay)  # the branch's columns over base rows
        if source is not None:
            alias = "" if t.ref.alias else f" AS {quote_ident(vis)}"
            cu_edits.append((t.ref.start, t.ref.end, source + alias))
        cond = (
            tomb_match(t.ts, t.base, vis, same_stmt_hides=True)
            + " AND "
            + filter_match(t.base, vis, t.filt)
        )
        where = f"({_range(sql, cu_edits, layout.where)}) AND {cond}" if layout.where else cond
        rest = "" if multi else _range(sql, cu_edits, layout.rest)
        t.copy_sql = (
            f"SELECT {'DISTINCT ' if multi else ''}"
            f"{copy_select_list(t.ts, t.base, t.overlay, vis, mapped=source is not None)}"
            f" FROM {_range(sql, cu_edits, layout.refs)} WHERE {where} {rest}"
        )
        if is_update:
            written = set_cols.get(vis.lower(), set()) | (
                set_cols.get("", set()) if len(targets) == 1 else set()
            )
            t.check_keys = any(c.lower() in written for key in t.overlay.unique_keys for c in key)
    scratch: list[Scratch] = []
    if multi:
        # Other tables of a multi-table UPDATE/DELETE would be read with shared locks (base
        # rows!). Give the statement private copies of just the rows that take part instead.
        scratch_edits, scratch = await _scratch_plan(engine, ctx, tree, layout, refs, top, targets)
        if scratch:
            starts = {e[0] for e in scratch_edits}
            kept = [e for e in pending_user_edits if e[0] not in starts]
            user_sql = splice(sql, kept + scratch_edits)
    pk_sql = None
    t0 = targets[0]
    if (
        not multi
        and layout.where is not None
        and len(refs) > 1
        and (t0.overlay.primary_key or (t0.base is not None and t0.base.primary_key))
    ):
        # Subqueries over other tables: inside an UPDATE/DELETE the server would read them with
        # shared locks (base rows!). Find the matching keys with a plain SELECT instead and
        # give the statement the key list.
        pk_sql, user_sql = _key_list_plan(sql, layout, user_edits, t0)
    return await _execute(engine, ctx, client, targets, user_sql, pk_sql, scratch)


@dataclass
class Scratch:
    """A private copy of the rows of one joined table that take part in a statement."""

    name: str  # placeholder in the statement text for the rows' literal table
    like: str  # qualified table it is created LIKE
    meta: TableMeta
    select: str  # plain SELECT of the participating rows (copy expressions)
    rows: list[tuple[bytes | None, ...]] | None = None


async def _scratch_plan(
    engine: BranchEngine,
    ctx: StatementContext,
    tree: exp.Expression,
    layout: object,
    refs: list[TableRef],
    top: list[TableRef],
    targets: list[Target],
) -> tuple[list[Edit], list[Scratch]]:
    from branchdb.sqlrewrite.dml import WriteLayout

    from .literals import copy_expr

    assert isinstance(layout, WriteLayout)
    sql = ctx.sql
    target_starts = {t.ref.start for t in targets}
    read_all = await engine.read_edits(ctx, refs, tree)
    where = f" WHERE {_range(sql, read_all, layout.where)}" if layout.where else ""
    from_text = _range(sql, read_all, layout.refs)
    scratch: list[Scratch] = []
    edits: list[Edit] = []
    for k, ref in enumerate(r for r in top if r.start not in target_starts):
        db = ref.db or ctx.current_db
        if db is None:
            raise NO_DB
        ts = ctx.branch.tables.get((db, ref.name))
        if ts is not None and ts.state != "dropped":
            like = qualified(ts.overlay_db, ts.overlay_table)
            meta = await engine.overlay_meta(ts)
        else:
            like = qualified(db, ref.name)
            found = await engine.meta(db, ref.name)
            if found is None or found.is_view:
                continue  # the server reports it as it would
            meta = found
        cols = meta.stored_columns
        exprs = ", ".join(copy_expr(c, ref.visible_name) for c in cols)
        name = f"{{_bdb_j{k}}}"  # replaced by the rows' literal table at execution
        scratch.append(
            Scratch(name, like, meta, f"SELECT DISTINCT {exprs} FROM {from_text}{where}")
        )
        alias = "" if ref.alias else f" AS {quote_ident(ref.name)}"
        edits.append((ref.start, ref.end, name + alias))
    return edits, scratch


def _key_list_plan(sql: str, layout: object, user_edits: list[Edit], t: Target) -> tuple[str, str]:
    from branchdb.sqlrewrite.dml import WriteLayout

    assert isinstance(layout, WriteLayout) and layout.where is not None
    keys = t.base.primary_key if t.base is not None else t.overlay.primary_key
    if not keys:
        raise not_supported("UPDATE/DELETE with subqueries on a table without a primary key")
    vis = quote_ident(t.ref.visible_name)
    ov = qualified(t.ts.overlay_db, t.ts.overlay_table)
    others = [e for e in user_edits if e[0] != t.ref.start]
    cols = ", ".join(f"{vis}.{quote_ident(k)}" for k in keys)
    pk_sql = (
        f"SELECT {cols} FROM {ov} AS {vis} WHERE {_range(sql, others, layout.where)}"
        f" {_range(sql, others, layout.rest)}"
    )
    lo, hi = layout.where
    kept = [e for e in user_edits if not (e[0] >= lo and e[1] <= hi)]
    kept.append((lo, hi, " {_bdb_keys} "))
    return pk_sql, splice(sql, kept)


def _key_condition(t: Target, rows: list[tuple[bytes | None, ...]]) -> str:
    keys = t.base.primary_key if t.base is not None else t.overlay.primary_key
    if not rows:
        return "0"
    metas = [t.overlay.column(k) for k in keys]
    cols = ", ".join(quote_ident(k) for k in keys)
    tuples = ", ".join(
        "(" + ", ".join(_key_literal(m, v) for m, v in zip(metas, r, strict=True)) + ")"
        for r in rows
    )
    return f"({cols}) IN ({tuples})"


def _key_literal(meta: object, v: bytes | None) -> str:
    from .literals import quote_bytes

    if v is None:
        return "NULL"
    return "X'" + v.hex() + "'" if getattr(meta, "kind", "") == "binary" else quote_bytes(v)


def _set_columns(tree: exp.Expression) -> dict[str, set[str]]:
    """Columns assigned by SET, by qualifier (lower-case; '' for unqualified)."""
    out: dict[str, set[str]] = {}
    for eq in tree.args.get("expressions") or []:
        col = eq.this if isinstance(eq, exp.EQ) else None
        if isinstance(col, exp.Column):
            out.setdefault(col.table.lower(), set()).add(col.name.lower())
    return out


def _update_targets(tree: exp.Expression, top: list[TableRef]) -> list[TableRef]:
    sets = _set_columns(tree)
    out = [r for r in top if r.visible_name.lower() in sets]
    if "" in sets or not out:
        raise not_supported("a multiple-table UPDATE with unqualified SET columns")
    return out


def _delete_targets(tree: exp.Expression, top: list[TableRef]) -> list[TableRef]:
    out = []
    nodes = tree.args.get("tables") or ([tree.this] if tree.args.get("using") else [])
    for node in nodes:
        name = node.name
        db = node.args.get("db")
        match = [
            r
            for r in top
            if (r.alias == name and db is None)
            or (r.alias is None and r.name == name and (db is None or r.db == db.name))
        ]
        if not match:
            raise EngineError(1109, "42S02", f"Unknown table '{name}' in MULTI DELETE")
        out.append(match[0])
    return out


def _delete_target_list_fixes(tree: exp.Expression) -> list[Edit]:
    out: list[Edit] = []
    nodes = tree.args.get("tables") or ([tree.this] if tree.args.get("using") else [])
    for node in nodes:
        ref = table_ref(node, None)
        if ref is not None and ref.db is not None:
            out.append((ref.start, ref.end, quote_ident(ref.name)))
    return out


# --------------------------------------------------------------------------- INSERT / REPLACE


async def _insert(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    tree: exp.Insert,
    tokens: list,  # type: ignore[type-arg]
    *,
    replace: bool,
) -> Outcome:
    sql = ctx.sql
    schema = tree.this
    table_node = schema.this if isinstance(schema, exp.Schema) else schema
    if not isinstance(table_node, exp.Table):
        raise not_supported("this form of INSERT")
    ref = table_ref(table_node, tokens)
    if ref is None:
        raise not_supported("this form of INSERT")
    target = await _target(engine, ctx, ref)
    columns = (
        [e.name for e in schema.expressions]
        if isinstance(schema, exp.Schema) and schema.expressions
        else [c.name for c in target.overlay.columns]
    )
    src_start, src_end, kind = insert_source(sql, tokens, column_list_end(tokens, ref.end))
    refs = [r for r in all_table_refs(tree, tokens) if r.start != ref.start]
    other_edits = await engine.read_edits(ctx, refs, tree)
    ov = qualified(target.ts.overlay_db, target.ts.overlay_table)

    atomic = Atomic(ctx, client)
    await atomic.begin()
    try:
        select_rows = None
        if kind == "select":
            sel = await client.query(_range(sql, other_edits, (src_start, src_end)))
            select_rows = sel
            if not sel.rows and _RETURNING.search(sql):
                # Nothing to insert, but RETURNING still answers with its (empty) result set:
                # the overlay statement over an empty source gives the server's own columns.
                empty = "SELECT " + ", ".join("NULL" for _ in sel.columns) + " FROM DUAL WHERE 0 "
                edits = [e for e in other_edits if not (e[0] >= src_start and e[1] <= src_end)]
                edits += [(src_start, src_end, empty), (ref.start, ref.end, ov)]
                edits.extend(db_prefix_fixes(tree, [ref]))
                res = await client.query(splice(sql, edits))
                await atomic.ok()
                return _reply(res, res.info)
            if not sel.rows:
                await atomic.ok()
                return OkReply(0, 0, sel.warnings, "Records: 0  Duplicates: 0  Warnings: 0")
            lits = [
                [
                    literal_from_result(c, v, engine.charsets)
                    for c, v in zip(sel.columns, r, strict=True)
                ]
                for r in sel.rows
            ]
            values = "VALUES " + ", ".join("(" + ", ".join(r) + ")" for r in lits)
            edits = [e for e in other_edits if not (e[0] >= src_start and e[1] <= src_end)]
            edits.append((src_start, src_end, values + " "))
            rows_lits: list[list[str | None]] = [list(r) for r in lits]
        else:
            edits = list(other_edits)
            rows_lits = _value_literals(tree)
        edits.append((ref.start, ref.end, ov))
        edits.extend(db_prefix_fixes(tree, [ref]))
        user_sql = splice(sql, edits)
        if target.cow and target.base is not None and not target.base.primary_key:
            target.copy_sql = _whole_copy_sql(target)
        elif target.cow:
            assert target.base is not None
            target.copy_sql = _key_copy_sql(target, columns, rows_lits)
            target.check_keys = True
            target.force_ai = await _base_ids_ahead(engine, target)
        res = await _attempts(engine, client, [target], user_sql, atomic)
    except BaseException:
        await _reset_gen(client)
        await atomic.fail()
        raise
    info = res.info
    if select_rows is not None and not info:
        n = len(select_rows.rows)
        dups = 0 if res.affected_rows == n else 1
        info = f"Records: {n}  Duplicates: {dups}  Warnings: {res.warnings}"
    return _reply(res, info)


async def _base_ids_ahead(engine: BranchEngine, t: Target) -> int | None:
    """The base's next auto-increment id when it is past the overlay's, else None.

    Teammates keep inserting into the base; ids the branch generates start at or above the
    base's counter at the moment of the insert, so a branch row never hides a base row that
    existed then.
    """
    if t.base is None or t.base.auto_increment_column is None:
        return None
    base_ai = await engine.auto_increment(t.base.db, t.base.table)
    ov_ai = await engine.auto_increment(t.ts.overlay_db, t.ts.overlay_table)
    if base_ai is None or ov_ai is None or base_ai <= ov_ai:
        return None
    return base_ai


def _whole_copy_sql(t: Target) -> str:
    """Every visible base row of a table without a primary key, until its marker exists."""
    assert t.base is not None
    return (
        f"SELECT {copy_select_list(t.ts, t.base, t.overlay, '_bdb_b')}"
        f" FROM {qualified(t.base.db, t.base.table)} AS `_bdb_b`"
        f" WHERE {filter_match(t.base, '_bdb_b', t.filt)}"
        f" AND {tomb_match(t.ts, t.base, '_bdb_b', same_stmt_hides=True)}"
    )


def _value_literals(tree: exp.Insert) -> list[list[str | None]]:
    values = tree.expression
    if not isinstance(values, exp.Values):
        return []
    out = []
    for row in values.expressions:
        items = row.expressions if isinstance(row, exp.Tuple) else [row]
        out.append([literal_sql(v) for v in items])
    return out


def _key_copy_sql(t: Target, columns: list[str], rows: list[list[str | None]]) -> str | None:
    """SELECT of base rows whose unique keys equal literal key values of the rows to insert.

    Only an optimisation: the check after the statement catches what this misses (keys given
    by expressions or defaults). Auto-increment keys left to the server never match base rows.
    """
    assert t.base is not None
    pos = {c.lower(): i for i, c in enumerate(columns)}
    conds = []
    for key in t.overlay.unique_keys:  # the branch's keys, over base rows mapped onto them
        idx = [pos.get(c.lower()) for c in key]
        if any(i is None for i in idx):
            continue
        tuples = []
        for row in rows:
            vals = [row[i] if i is not None and i < len(row) else None for i in idx]
            if all(v is not None and v != "NULL" for v in vals):
                tuples.append("(" + ", ".join(v for v in vals if v is not None) + ")")
        if not tuples:
            continue
        cols = ", ".join(base_expr(t.ts, t.base, c, "_bdb_b") for c in key)
        if len(key) == 1:
            conds.append(f"{cols} IN ({', '.join(v[1:-1] for v in tuples)})")
        else:
            conds.append(f"({cols}) IN ({', '.join(tuples)})")
    if not conds:
        return None
    return (
        f"SELECT {copy_select_list(t.ts, t.base, t.overlay, '_bdb_b')}"
        f" FROM {qualified(t.base.db, t.base.table)} AS `_bdb_b`"
        f" WHERE ({' OR '.join(conds)})"
        f" AND {tomb_match(t.ts, t.base, '_bdb_b', same_stmt_hides=True)}"
        f" AND {filter_match(t.base, '_bdb_b', t.filt)}"
    )


# --------------------------------------------------------------------------- running


async def _execute(
    engine: BranchEngine,
    ctx: StatementContext,
    client: Executor,
    targets: list[Target],
    user_sql: str,
    pk_sql: str | None = None,
    scratch: list[Scratch] | None = None,
) -> Outcome:
    atomic = Atomic(ctx, client)
    await atomic.begin()
    try:
        res = await _attempts(engine, client, targets, user_sql, atomic, pk_sql, scratch)
    except BaseException:
        await _reset_gen(client)
        await atomic.fail()
        raise
    return _reply(res, res.info)


def _reply(res: QueryResult, info: str) -> Outcome:
    """The client's answer to a write run on the overlay: RETURNING's rows, as on a real copy,
    or the server's OK counts (with `info`)."""
    if res.columns:
        return ResultReply(res)
    return OkReply(res.affected_rows, res.insert_id, res.warnings, info)


async def _attempts(
    engine: BranchEngine,
    client: Executor,
    targets: list[Target],
    user_sql: str,
    atomic: Atomic,
    pk_sql: str | None = None,
    scratch: list[Scratch] | None = None,
) -> QueryResult:
    """Copy up, run, check keys; on a hidden key conflict copy those rows up and run again.
    Commits (or releases the savepoint) on success."""
    shared = _shared_tables_read(user_sql, atomic.current_db)
    if shared:
        # Inside an INSERT/UPDATE/DELETE the server reads every other table with shared locks:
        # running this would lock rows of the shared database. Refuse instead (nothing is run).
        raise not_supported(
            f"a write that reads shared table {shared[0]} in a subquery (it would lock shared rows)"
        )
    for _ in range(MAX_ATTEMPTS):
        await client.query(f"SET {GEN_VAR} = NULL")
        for t in targets:
            if t.copy_sql is not None:
                rows = (await client.query(t.copy_sql)).rows
                assert t.base is not None
                await insert_copied(client, t.ts, t.base, t.overlay, rows)
                if not t.base.primary_key:
                    marker = qualified(t.ts.overlay_db, t.ts.tomb_table)
                    await client.query(f"INSERT IGNORE INTO {marker} VALUES (1)")
            if t.extra:
                assert t.base is not None
                await insert_copied(client, t.ts, t.base, t.overlay, t.extra)
        sql = user_sql
        for sc in scratch or []:
            if sc.rows is None:
                sc.rows = [r for r in (await client.query(sc.select)).rows if any(r)]
            sql = sql.replace(sc.name, literal_table(list(sc.meta.stored_columns), sc.rows), 1)
        if pk_sql is not None:
            keys = (await client.query(pk_sql)).rows
            if not keys and _RETURNING.search(sql):
                keys_sql = "0"  # run it anyway: the client expects RETURNING's (empty) result
            elif not keys:
                # Nothing matches: what the server answers for a WHERE that matched no row.
                await _reset_gen(client)
                await atomic.ok()
                info = "Rows matched: 0  Changed: 0  Warnings: 0" if _is_update(sql) else ""
                return QueryResult(info=info)
            else:
                keys_sql = _key_condition(targets[0], keys)
            sql = sql.replace("{_bdb_keys}", keys_sql, 1)
        await client.query(f"SET {GEN_VAR} = {engine.next_gen()}")
        forced = targets[0].force_ai
        if forced is not None:
            await client.query(f"SET insert_id = {forced}")
        try:
            res = await client.query(sql)
        finally:
            if forced is not None:
                await client.query("SET insert_id = 0")
        conflicts = False
        for t in targets:
            if t.cow and t.check_keys:
                found = await _key_conflicts(client, t)
                if found:
                    t.extra.extend(found)
                    conflicts = True
        if not conflicts:
            await _reset_gen(client)
            await atomic.ok()
            return res
        await atomic.retry()
    raise EngineError(1105, "HY000", "branchdb: could not settle unique-key conflicts")


def _shared_tables_read(user_sql: str, current_db: str | None) -> list[str]:
    """Base tables the final overlay statement would still read (each a shared-lock read)."""
    from .engine import SYSTEM_DBS
    from .naming import is_internal_db

    sql = _SCRATCH_MARK.sub("(SELECT 1 AS `_bdb_x`)", user_sql.replace("{_bdb_keys}", "1"))
    try:
        refs = all_table_refs(parse(sql), tokenize(sql))
    except Unparseable:
        return []  # the statement was parsed before the engine's splices; nothing new to see
    aliases = {r.alias.lower() for r in refs if r.alias}
    out = []
    for ref in refs:
        if ref.db is None and ref.name.lower() in aliases:
            continue  # a multi-table DELETE's target list names aliases, not tables
        db = ref.db or current_db
        if db is None or db in SYSTEM_DBS or is_internal_db(db) or ref.name.startswith("_bdb_j"):
            continue  # overlays, the catalog, the statement's private temporary copies
        out.append(f"{db}.{ref.name}")
    return out


def _is_update(sql: str) -> bool:
    from branchdb.sqlrewrite.classify import first_keyword

    return first_keyword(sql) == "UPDATE"


async def _key_conflicts(client: Executor, t: Target) -> list[tuple[bytes | None, ...]]:
    """Visible base rows sharing a unique key with an overlay row (written by this statement)."""
    assert t.base is not None
    ov = qualified(t.ts.overlay_db, t.ts.overlay_table)
    parts = []
    for key in t.overlay.unique_keys:  # the branch's keys, over base rows mapped onto them
        on = " AND ".join(
            f"`_bdb_o`.{quote_ident(c)} = {base_expr(t.ts, t.base, c, '_bdb_b')}" for c in key
        )
        parts.append(
            f"SELECT {copy_select_list(t.ts, t.base, t.overlay, '_bdb_b')} FROM {ov} AS `_bdb_o`"
            f" JOIN {qualified(t.base.db, t.base.table)} AS `_bdb_b` ON {on}"
            f" WHERE {tomb_match(t.ts, t.base, '_bdb_b', same_stmt_hides=False)}"
            f" AND {filter_match(t.base, '_bdb_b', t.filt)}"
        )
    if not parts:
        return []
    return (await client.query(" UNION ".join(parts))).rows


async def _reset_gen(client: Executor) -> None:
    try:
        await client.query(f"SET {GEN_VAR} = NULL")
    except UpstreamError:
        pass
