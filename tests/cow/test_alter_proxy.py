"""ALTER TABLE and small-table materialization through a real `branchdb serve` and PyMySQL: the
`--materialize-below` option reaches the engine, a renamed column reads its base values, and the
catalog records what happened (state, column map)."""

from __future__ import annotations

import json
import secrets
from typing import Any


def _catalog(upstream: Any, branch: str) -> dict[str, tuple[str, dict[str, str]]]:
    conn = upstream.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT bt.tbl, bt.state, bt.column_map FROM `_branchdb`.branch_tables bt"
                " JOIN `_branchdb`.branches b ON b.id = bt.branch_id WHERE b.name = %s",
                (branch,),
            )
            return {t: (s, json.loads(m)) for t, s, m in cur.fetchall()}
    finally:
        conn.close()


def test_alter_and_materialize_through_the_proxy(
    schema: str, upstream: Any, make_proxy: Any
) -> None:
    admin = upstream.connect(autocommit=True, database=schema)
    with admin.cursor() as cur:
        cur.execute("CREATE TABLE small (id INT PRIMARY KEY, v INT NOT NULL)")
        cur.execute(f"INSERT INTO small SELECT seq, seq FROM `{schema}`.seq_1_to_30")
        cur.execute("CREATE TABLE big (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)")
        cur.execute(f"INSERT INTO big SELECT seq, CONCAT('n', seq) FROM `{schema}`.seq_1_to_200")
        cur.execute("CHECKSUM TABLE small, big")
        before = cur.fetchall()
    proxy = make_proxy("--materialize-below", "50")
    branch = f"alterproxy-{secrets.token_hex(3)}"
    conn = proxy.connect(user=f"{upstream.user}~{branch}", database=schema, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE small SET v = -v WHERE id = 3")
            cur.execute("UPDATE big SET name = 'changed' WHERE id = 3")
            cur.execute("ALTER TABLE big RENAME COLUMN name TO label, ADD COLUMN n INT DEFAULT 7")
            cur.execute("SELECT id, label, n FROM big WHERE id IN (2, 3) ORDER BY id")
            rows = cur.fetchall()
            conn.begin()
            cur.execute("UPDATE big SET label = CONCAT(label, '!') WHERE id = 4")
            cur.execute("ALTER TABLE big MODIFY label VARCHAR(30) NOT NULL")  # commits
            conn.rollback()  # nothing left to roll back
            cur.execute("SELECT label FROM big WHERE id = 4")
            after_commit = cur.fetchall()
            cur.execute("SELECT COUNT(*), SUM(v) FROM small")
            small = cur.fetchall()
        catalog = _catalog(upstream, branch)
    finally:
        conn.close()
    with admin.cursor() as cur:
        cur.execute("CHECKSUM TABLE small, big")
        assert cur.fetchall() == before
    admin.close()
    assert rows == ((2, "n2", 7), (3, "changed", 7))
    assert after_commit == (("n4!",),)
    assert small == ((30, 465 - 6),)
    assert catalog["small"] == ("materialized", {})
    assert catalog["big"] == ("cow", {"label": "base:name", "n": "7"})
