"""The sysbench-like table the passthrough workloads read.

Populating goes through PyMySQL straight to the upstream (never through the proxy) in multi-row
INSERTs, which takes a few seconds for 100,000 rows. A table that already holds exactly the
expected rows is reused, so repeated runs skip the load.
"""

from __future__ import annotations

import random
import string

import pymysql

from branchdb.bench.target import Target

TABLE = "sbtest"
_BATCH = 2000


def _filler(rng: random.Random, width: int) -> str:
    # sysbench fills c/pad with groups of digits separated by dashes; any incompressible text
    # of the same width gives the same row size on the wire.
    return "".join(rng.choices(string.digits, k=width))


def ensure_table(target: Target, schema: str, rows: int, *, seed: int = 42) -> bool:
    """Create `schema.sbtest` with ids 1..rows. Returns False when an identical one was reused."""
    conn = pymysql.connect(**target.pymysql_kwargs(), autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{schema}`")
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA=%s AND TABLE_NAME=%s",
                (schema, TABLE),
            )
            row = cur.fetchone()
            if row is not None and row[0] == 1:
                cur.execute(
                    f"SELECT COUNT(*), COALESCE(MIN(id),0), COALESCE(MAX(id),0) "
                    f"FROM `{schema}`.`{TABLE}`"
                )
                if cur.fetchone() == (rows, 1 if rows else 0, rows):
                    return False
            cur.execute(f"DROP TABLE IF EXISTS `{schema}`.`{TABLE}`")
            cur.execute(
                f"CREATE TABLE `{schema}`.`{TABLE}` ("
                " id INT NOT NULL PRIMARY KEY,"
                " k INT NOT NULL DEFAULT 0,"
                " c CHAR(120) NOT NULL DEFAULT '',"
                " pad CHAR(60) NOT NULL DEFAULT '',"
                " KEY k_1 (k)"
                ") ENGINE=InnoDB"
            )
            rng = random.Random(seed)
            sql = f"INSERT INTO `{schema}`.`{TABLE}` (id, k, c, pad) VALUES "
            for start in range(1, rows + 1, _BATCH):
                stop = min(start + _BATCH, rows + 1)
                values = [
                    (i, rng.randint(1, rows), _filler(rng, 120), _filler(rng, 60))
                    for i in range(start, stop)
                ]
                cur.execute(
                    sql + ",".join(["(%s,%s,%s,%s)"] * len(values)),
                    [v for row_ in values for v in row_],
                )
            cur.execute(f"ANALYZE TABLE `{schema}`.`{TABLE}`")
            cur.fetchall()
        return True
    finally:
        conn.close()


def drop_schema(target: Target, schema: str) -> None:
    conn = pymysql.connect(**target.pymysql_kwargs(), autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{schema}`")
    finally:
        conn.close()


def server_version(target: Target) -> str:
    conn = pymysql.connect(**target.pymysql_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
            return str(row[0]) if row else "?"
    finally:
        conn.close()
