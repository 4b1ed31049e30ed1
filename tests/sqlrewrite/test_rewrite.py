"""Pure rewrite functions (no server): table splicing fixtures and DML clause layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchdb.sqlrewrite.dml import (
    column_list_end,
    delete_layout,
    insert_source,
    update_layout,
)
from branchdb.sqlrewrite.reads import rewrite_tables
from branchdb.sqlrewrite.refs import Unparseable, tokenize

FIXTURES = Path(__file__).parent / "fixtures"
DIRTY = {"items", "orders"}


def load(name: str) -> list[tuple[str, str, str]]:
    cases = []
    for block in (FIXTURES / name).read_text(encoding="utf-8").split("\n\n"):
        lines = [ln for ln in block.strip("\n").split("\n") if ln]
        assert len(lines) == 3 and lines[0].startswith("# title:"), block
        cases.append((lines[0][8:].strip(), lines[1], lines[2]))
    return cases


def replace(db: str | None, table: str) -> str | None:
    if table not in DIRTY:
        return None
    return f"V_{db}.{table}" if db else f"V_{table}"


@pytest.mark.parametrize(("title", "sql", "want"), load("rewrite_tables.sql"))
def test_rewrite_tables(title: str, sql: str, want: str) -> None:
    got = rewrite_tables(sql, lambda db, t: None if (r := replace(db, t)) is None else f"({r})")
    assert (got if got is not None else sql) == want, title


def test_unparseable_is_reported() -> None:
    with pytest.raises(Unparseable):
        rewrite_tables("SELECT FROM WHERE (", replace)


def span(sql: str, s: tuple[int, int] | None) -> str | None:
    return None if s is None else sql[s[0] : s[1]]


def test_update_layout() -> None:
    sql = (
        "UPDATE t JOIN u ON u.id = t.id SET t.a = (SELECT 1 WHERE 1), u.b = 2"
        " WHERE t.x = 1 ORDER BY t.id LIMIT 3"
    )
    lay = update_layout(sql, tokenize(sql))
    assert span(sql, lay.refs) == "t JOIN u ON u.id = t.id "
    assert span(sql, lay.where) == " t.x = 1 "
    assert span(sql, lay.rest) == "ORDER BY t.id LIMIT 3"


def test_delete_layouts() -> None:
    sql = "DELETE FROM t WHERE `where` = 'ORDER BY' ORDER BY id LIMIT 1;"
    lay = delete_layout(sql, tokenize(sql))
    assert span(sql, lay.refs) == " t "
    assert span(sql, lay.where) == " `where` = 'ORDER BY' "
    assert span(sql, lay.rest) == "ORDER BY id LIMIT 1"
    sql = "DELETE a, b FROM a JOIN b ON a.id = b.id WHERE a.x > 1"
    lay = delete_layout(sql, tokenize(sql))
    assert span(sql, lay.targets) == "a, b "
    assert span(sql, lay.refs) == " a JOIN b ON a.id = b.id "
    sql = "DELETE FROM a USING a JOIN b"
    lay = delete_layout(sql, tokenize(sql))
    assert span(sql, lay.targets) == "a "
    assert span(sql, lay.refs) == " a JOIN b"
    assert lay.where is None


def test_insert_source() -> None:
    sql = "INSERT INTO t (a, b) VALUES (1, 2), (3, 4) ON DUPLICATE KEY UPDATE b = VALUES(b)"
    toks = tokenize(sql)
    after = column_list_end(toks, sql.index(" (a"))
    s, e, kind = insert_source(sql, toks, after)
    assert (sql[s:e], kind) == ("VALUES (1, 2), (3, 4) ", "values")
    sql = "INSERT INTO t (SELECT a FROM u UNION SELECT 1)"
    toks = tokenize(sql)
    after = column_list_end(toks, sql.index(" ("))
    s, e, kind = insert_source(sql, toks, after)
    assert (sql[s:e], kind) == ("(SELECT a FROM u UNION SELECT 1)", "select")
