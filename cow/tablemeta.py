"""What the engine needs to know about a table: columns, keys, auto-increment. Read from
information_schema on the control connection and cached until DDL on the branch invalidates it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .executor import Executor, quote_ident, quote_str, text

#: Types whose values are copied as hex of their stored bytes, so no connection charset or
#: escaping can alter them.
_STRING_TYPES = frozenset(
    {
        "char",
        "varchar",
        "tinytext",
        "text",
        "mediumtext",
        "longtext",
        "enum",
        "set",
        "json",
    }
)
_BINARY_TYPES = frozenset(
    {
        "binary",
        "varbinary",
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
        "geomcollection",
    }
)


@dataclass(frozen=True)
class ColumnMeta:
    name: str
    data_type: str  # lower-case information_schema DATA_TYPE
    column_type: str
    charset: str | None
    collation: str | None
    generated: bool
    auto_increment: bool
    nullable: bool = True
    #: COLUMN_DEFAULT as information_schema reports it (MariaDB: an SQL expression).
    default: str | None = None
    #: GENERATION_EXPRESSION of a generated column ('' otherwise).
    generation: str = ""

    @property
    def kind(self) -> str:
        """'string', 'binary', 'bit', 'json' or 'plain' (numbers and temporals)."""
        if self.data_type == "json" and self.charset is None:
            return "json"  # MySQL's native JSON; MariaDB's JSON is LONGTEXT with a charset
        if self.data_type in _STRING_TYPES:
            return "string"
        if self.data_type in _BINARY_TYPES:
            return "binary"
        if self.data_type == "bit":
            return "bit"
        return "plain"


@dataclass(frozen=True)
class TableMeta:
    db: str
    table: str
    columns: tuple[ColumnMeta, ...]
    primary_key: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...]  # includes the primary key when there is one
    is_view: bool = False

    def column(self, name: str) -> ColumnMeta | None:
        low = name.lower()
        for c in self.columns:
            if c.name.lower() == low:
                return c
        return None

    @property
    def stored_columns(self) -> tuple[ColumnMeta, ...]:
        return tuple(c for c in self.columns if not c.generated)

    @property
    def auto_increment_column(self) -> ColumnMeta | None:
        for c in self.columns:
            if c.auto_increment:
                return c
        return None


async def load_table_meta(control: Executor, db: str, table: str) -> TableMeta | None:
    """None when the table does not exist."""
    return (await load_metas(control, db, table)).get(table)


async def load_metas(control: Executor, db: str, table: str | None = None) -> dict[str, TableMeta]:
    """Metadata of one table, or of every table of `db` (three queries either way)."""
    where = f"TABLE_SCHEMA = {quote_str(db)}"
    if table is not None:
        where += f" AND TABLE_NAME = {quote_str(table)}"
    res = await control.query(
        f"SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE {where}"
    )
    kinds = {text(r[0]) or "": (text(r[1]) or "") == "VIEW" for r in res.rows}
    if not kinds:
        return {}
    res = await control.query(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME,"
        " COLLATION_NAME, EXTRA, IS_NULLABLE, COLUMN_DEFAULT, GENERATION_EXPRESSION"
        f" FROM information_schema.COLUMNS WHERE {where}"
        " ORDER BY TABLE_NAME, ORDINAL_POSITION"
    )
    cols: dict[str, list[ColumnMeta]] = {}
    for row in res.rows:
        tname, name, dtype, ctype, cs, coll, extra, nullable, default, gen = (text(v) for v in row)
        ex = (extra or "").lower()
        cols.setdefault(tname or "", []).append(
            ColumnMeta(
                name=name or "",
                data_type=(dtype or "").lower(),
                column_type=ctype or "",
                charset=cs,
                collation=coll,
                generated="generated" in ex or "virtual" in ex or "persistent" in ex,
                auto_increment="auto_increment" in ex,
                nullable=nullable == "YES",
                default=default,
                generation=gen or "",
            )
        )
    res = await control.query(
        "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS"
        f" WHERE {where} AND NON_UNIQUE = 0"
        " ORDER BY TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX"
    )
    keys: dict[str, dict[str, list[str]]] = {}
    for row in res.rows:
        tname, iname, cname = (text(v) or "" for v in row)
        keys.setdefault(tname, {}).setdefault(iname, []).append(cname)
    out = {}
    for tname, is_view in kinds.items():
        k = keys.get(tname, {})
        out[tname] = TableMeta(
            db=db,
            table=tname,
            columns=tuple(cols.get(tname, ())),
            primary_key=tuple(k.get("PRIMARY", ())),
            unique_keys=tuple(tuple(v) for v in k.values()),
            is_view=is_view,
        )
    return out


async def auto_increment_of(control: Executor, db: str, table: str) -> int | None:
    res = await control.query(
        "SELECT AUTO_INCREMENT FROM information_schema.TABLES"
        f" WHERE TABLE_SCHEMA = {quote_str(db)} AND TABLE_NAME = {quote_str(table)}"
    )
    if not res.rows or res.rows[0][0] is None:
        return None
    return int(text(res.rows[0][0]) or "0")


def qualified(db: str, table: str) -> str:
    return f"{quote_ident(db)}.{quote_ident(table)}"
