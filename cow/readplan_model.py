"""What the read planner knows of one changed (`cow`) table, and the FROM texts it makes of it.

A branch table is its overlay rows plus the base rows whose key is not in the tombstone table
(and that pass the branch's filter). The planner reads the two halves separately, so that each
half is a plain table the optimizer can use indexes on: the overlay half is the overlay table
itself; the base half is the base table (or, when the branch maps columns or filters rows, a
mergeable derived table over it) with a tombstone anti-join.
"""

from __future__ import annotations

from dataclasses import dataclass

from branchdb.sqlrewrite.reads import quote_ident
from branchdb.sqlrewrite.refs import TableRef, splice

Edit = tuple[int, int, str]

#: Probed base rows below this multiple of the tombstone count: anti-join by LEFT JOIN … IS
#: NULL (index probes); above it, NOT EXISTS (one hash of the tombstones per execution).
LJ_FACTOR = 5


@dataclass(frozen=True)
class DirtyTable:
    overlay: str  # qualified overlay table
    base: str  # qualified base table
    tomb: str  # qualified tombstone table
    pk: tuple[str, ...]
    #: Branch columns in order, each with the SQL that reads it from a base row as `_bdb_b`.
    columns: tuple[tuple[str, str], ...]
    #: Base rows are read as they are (same columns in the same order, no filter).
    identity: bool
    filter: str | None = None
    tomb_rows: int = 0
    base_rows: int = 0
    unique_keys: tuple[tuple[str, ...], ...] = ()
    #: Lower-case leading column of each base index.
    indexed: frozenset[str] = frozenset()
    #: (lower-case leading column, index name) of the overlay's indexes (FORCE INDEX FOR
    #: ORDER BY). A tuple: DirtyTable is hashable, plans are memoized on it.
    overlay_indexes: tuple[tuple[str, str], ...] = ()

    def overlay_index(self, column: str) -> str | None:
        low = column.lower()
        return next((name for col, name in self.overlay_indexes if col == low), None)

    def unique_column(self, column: str) -> bool:
        low = column.lower()
        return any(len(k) == 1 and k[0].lower() == low for k in self.unique_keys)

    def has_column(self, column: str) -> bool:
        low = column.lower()
        return any(c.lower() == low for c, _ in self.columns)


@dataclass(frozen=True)
class Target:
    """A changed table of the block's FROM that a plan splits into its halves."""

    ref: TableRef
    dt: DirtyTable
    alias: str
    span: tuple[int, int]  # name, alias and index hints
    hints: str  # the client's index hints, as written

    def original(self, sql: str) -> str:
        """The reference as the client wrote it, with its alias made explicit."""
        text = sql[self.ref.start : self.ref.end] + f" AS {quote_ident(self.alias)}"
        return text + (" " + self.hints if self.hints else "")


def text_with(sql: str, span: tuple[int, int], edits: list[Edit] | tuple[Edit, ...]) -> str:
    """`sql[span]` with the edits that fall inside the span applied."""
    lo, hi = span
    inside = [(s - lo, e - lo, t) for s, e, t in edits if lo <= s and e <= hi]
    return splice(sql[lo:hi], inside)


@dataclass(frozen=True)
class Half:
    """The FROM text and extra WHERE condition of one table in one branch of the plan."""

    source: str  # replaces the table reference (alias included)
    condition: str | None = None  # ANDed to the WHERE clause
    keeps_hints: bool = True
    adds_columns: bool = False  # a joined tombstone table: `*` would show its columns


def overlay_half(dt: DirtyTable, alias: str) -> Half:
    return Half(f"{dt.overlay} AS {quote_ident(alias)}", keeps_hints=dt.identity)


def base_source(dt: DirtyTable, alias: str, original: str) -> str:
    """The base rows under `alias` (the client's own reference text when nothing is mapped)."""
    if dt.identity:
        return original
    cols = ", ".join(f"{expr} AS {quote_ident(name)}" for name, expr in dt.columns)
    where = f" WHERE ({dt.filter})" if dt.filter is not None else ""
    return f"(SELECT {cols} FROM {dt.base} AS `_bdb_b`{where}) AS {quote_ident(alias)}"


def _keys(dt: DirtyTable, t: str, alias: str) -> tuple[str, str]:
    """The tombstone table with its key columns renamed, and the join condition on them.

    A mergeable derived table (still probed by its primary key): the tombstones' own column
    names must not make the bare column names of the client's query ambiguous.
    """
    keys = ", ".join(f"{quote_ident(c)} AS `_bdb_k{i}`" for i, c in enumerate(dt.pk))
    on = " AND ".join(
        f"{t}.`_bdb_k{i}` = {quote_ident(alias)}.{quote_ident(c)}" for i, c in enumerate(dt.pk)
    )
    return f"(SELECT {keys} FROM {dt.tomb}) AS {t}", on


def base_half(dt: DirtyTable, alias: str, original: str, n: int, *, left_join: bool) -> Half:
    """Base rows minus tombstones; `n` numbers the tombstone alias within the statement."""
    src = base_source(dt, alias, original)
    t = f"`_bdb_t{n}`"
    if left_join:
        tomb, on = _keys(dt, t, alias)
        return Half(
            f"({src} LEFT JOIN {tomb} ON {on})",
            f"{t}.`_bdb_k0` IS NULL",
            keeps_hints=dt.identity,
            adds_columns=True,
        )
    on = " AND ".join(
        f"{t}.{quote_ident(c)} = {quote_ident(alias)}.{quote_ident(c)}" for c in dt.pk
    )
    return Half(
        src,
        f"NOT EXISTS (SELECT 1 FROM {dt.tomb} AS {t} WHERE {on})",
        keeps_hints=dt.identity,
    )


def tomb_half(dt: DirtyTable, alias: str, original: str, n: int) -> Half:
    """The base rows the branch hides (to subtract): tombstones joined to base rows."""
    src = base_source(dt, alias, original)
    tomb, on = _keys(dt, f"`_bdb_t{n}`", alias)
    return Half(f"({tomb} JOIN {src} ON {on})", keeps_hints=dt.identity)
