"""SQL literals built from values read off the wire, so rows can be copied without INSERT…SELECT.

INSERT…SELECT from a base table takes shared locks under REPEATABLE READ, so copy-up reads base
rows with a plain consistent SELECT and writes them back as literals. Strings and binaries travel
as hex of their stored bytes (the copy-up SELECT asks for HEX(col)), so neither the connection
charset nor sql_mode escapes can change them.
"""

from __future__ import annotations

from branchdb.proxy.constants import FieldType

from .executor import Column, quote_ident
from .tablemeta import ColumnMeta

_NUMERIC_CODES = frozenset(
    {
        FieldType.DECIMAL,
        FieldType.NEWDECIMAL,
        FieldType.TINY,
        FieldType.SHORT,
        FieldType.LONG,
        FieldType.LONGLONG,
        FieldType.INT24,
        FieldType.FLOAT,
        FieldType.DOUBLE,
        FieldType.YEAR,
    }
)
_BINARY_CHARSET = 63
_NUMERIC_TYPES = frozenset(
    {
        "tinyint",
        "smallint",
        "mediumint",
        "int",
        "integer",
        "bigint",
        "decimal",
        "numeric",
        "float",
        "double",
        "real",
        "year",
    }
)


def copy_expr(col: ColumnMeta, alias: str) -> str:
    """The expression a copy-up SELECT reads for one base column."""
    ref = f"{quote_ident(alias)}.{quote_ident(col.name)}"
    if col.kind in ("string", "binary", "bit", "json"):
        return f"HEX({ref})"
    if col.data_type == "float":
        # FLOAT prints with 6 digits; as DOUBLE it prints the shortest text that round-trips.
        return f"CAST({ref} AS DOUBLE)"
    return ref


def literal_from_copy(col: ColumnMeta, value: bytes | None) -> str:
    """The literal that writes back what `copy_expr` read."""
    if value is None:
        return "NULL"
    kind = col.kind
    if kind == "string":
        return f"_{col.charset or 'utf8mb4'} X'{value.decode('ascii')}'"
    if kind == "json":
        return f"CAST(CONVERT(X'{value.decode('ascii')}' USING utf8mb4) AS JSON)"
    if kind in ("binary", "bit"):
        h = value.decode("ascii")
        return f"X'{'0' * (len(h) % 2)}{h}'"
    if col.data_type in _NUMERIC_TYPES:
        return value.decode("ascii")
    return quote_bytes(value)


def quote_bytes(value: bytes) -> str:
    s = value.decode("utf-8", "replace").replace("\\", "\\\\").replace("'", "''")
    return f"'{s}'"


def literal_from_result(col: Column, value: bytes | None, charsets: dict[int, str]) -> str:
    """A literal for one value of a SELECT result (INSERT…SELECT evaluated into VALUES)."""
    if value is None:
        return "NULL"
    code = col.type_code
    if code in _NUMERIC_CODES:
        return value.decode("ascii")
    if code == FieldType.BIT:
        return f"X'{value.hex()}'" if value else "X''"
    if code == FieldType.JSON:
        return f"CAST(CONVERT(X'{value.hex()}' USING utf8mb4) AS JSON)"
    if col.charset == _BINARY_CHARSET:
        if code in (
            FieldType.DATE,
            FieldType.DATETIME,
            FieldType.TIMESTAMP,
            FieldType.TIME,
            FieldType.NEWDATE,
            FieldType.DATETIME2,
            FieldType.TIMESTAMP2,
            FieldType.TIME2,
        ):
            return quote_bytes(value)
        return f"X'{value.hex()}'"
    cs = charsets.get(col.charset, "utf8mb4")
    return f"_{cs} X'{value.hex()}'"


_TEMPORAL_CASTS = {"date": "DATE", "datetime": "DATETIME", "timestamp": "DATETIME", "time": "TIME"}


def typed_literal(col: ColumnMeta, value: bytes | None) -> str:
    """`literal_from_copy`, with the column's collation or temporal type attached, so that a
    value compares and converts as the column's own value would where no column types it."""
    lit = literal_from_copy(col, value)
    if value is None:
        return lit
    if col.kind == "string" and col.collation:
        return f"{lit} COLLATE {col.collation}"
    cast = _TEMPORAL_CASTS.get(col.data_type)
    if cast is not None:
        scale = col.column_type.partition("(")[2].rstrip(")")
        return f"CAST({lit} AS {cast}{f'({scale})' if scale.isdigit() else ''})"
    return lit


def literal_table(cols: list[ColumnMeta], rows: list[tuple[bytes | None, ...]]) -> str:
    """A derived table holding `rows` (read with `copy_expr` of `cols`) under the columns' names.

    Stands in for a private copy of a table's rows inside one statement. A temporary table would
    do too, but creating one inside a transaction marks the transaction as having changed a
    non-transactional table (ROLLBACK TO SAVEPOINT then warns 1196), which a real copy never does.
    """
    names = [quote_ident(c.name) for c in cols]
    if not rows:
        return "(SELECT " + ", ".join(f"NULL AS {n}" for n in names) + " FROM DUAL WHERE 0)"
    selects = []
    for i, row in enumerate(rows):
        values = [typed_literal(c, v) for c, v in zip(cols, row, strict=True)]
        if i == 0:
            values = [f"{v} AS {n}" for v, n in zip(values, names, strict=True)]
        selects.append("SELECT " + ", ".join(values))
    return "(" + " UNION ALL ".join(selects) + ")"
