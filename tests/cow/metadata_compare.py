"""Compare metadata replies of a branch with those of a real copy (tests/cow/test_metadata*.py).

A branch database and its real copy have different names: every reply is normalised by writing
the copy's name as the branch's, and values that depend on storage or statistics (row counts,
cardinality, sizes, times, AUTO_INCREMENT) are dropped.
"""

from __future__ import annotations

import re
from typing import Any

import pymysql

_AUTO_INC = re.compile(r" AUTO_INCREMENT=\d+")
#: Columns whose values depend on storage and statistics, not on the schema.
_STORAGE = frozenset(
    {
        "Cardinality",
        "CARDINALITY",
        "Rows",
        "TABLE_ROWS",
        "Auto_increment",
        "AUTO_INCREMENT",
        "Avg_row_length",
        "AVG_ROW_LENGTH",
        "Data_length",
        "DATA_LENGTH",
        "Index_length",
        "INDEX_LENGTH",
        "Max_data_length",
        "MAX_DATA_LENGTH",
        "Data_free",
        "DATA_FREE",
        "Create_time",
        "CREATE_TIME",
        "Update_time",
        "UPDATE_TIME",
        "Check_time",
        "CHECK_TIME",
        "Created",
        "CREATED",
    }
)


class Pair:
    """The branch (through the proxy) and the real copy (direct), each a PyMySQL connection."""

    def __init__(self, branch: Any, copy: Any, db: str, copy_db: str) -> None:
        self.branch = branch
        self.copy = copy
        self.db = db
        self.copy_db = copy_db

    def both(self, sql: str) -> tuple[Any, Any]:
        """(branch reply, copy reply) of `sql`; `{db}` is each side's database name."""
        return (
            _reply(self.branch, sql.replace("{db}", self.db), self.db, self.db),
            _reply(self.copy, sql.replace("{db}", self.copy_db), self.copy_db, self.db),
        )

    def same(self, sql: str) -> Any:
        got, want = self.both(sql)
        assert got == want, f"{sql}\nbranch: {got}\ncopy:   {want}"
        return got


def _reply(conn: Any, sql: str, db: str, as_db: str) -> Any:
    """Column names and rows of `sql`, with `db` written as `as_db` and storage values dropped."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            names = tuple(d[0].replace(db, as_db) for d in cur.description or ())
            rows = [
                tuple(
                    None if n in _STORAGE else _norm(v, db, as_db)
                    for n, v in zip(names, r, strict=True)
                )
                for r in cur.fetchall()
            ]
    except pymysql.MySQLError as e:
        return ("err", e.args[0])
    return names, rows


def _norm(v: Any, db: str, as_db: str) -> Any:
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str):
        return _AUTO_INC.sub("", v.replace(db, as_db))
    return v
