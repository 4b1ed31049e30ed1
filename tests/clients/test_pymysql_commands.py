"""PyMySQL: OK-packet fields, multi-results, transactions, errors, big packets, LOCAL INFILE.

These are the places where a relaying proxy most easily goes wrong: sequence ids across several
result sets, SERVER_MORE_RESULTS_EXISTS and SERVER_STATUS_IN_TRANS flags, payloads split over
16 MiB packets, and the LOCAL INFILE exchange where the server asks the client for a file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pymysql
import pytest
from pymysql.constants import CLIENT, SERVER_STATUS

from .endpoints import Endpoint

MIB = 1024 * 1024


def _table(conn: Any, schema: str) -> None:
    with conn.cursor() as cur:
        cur.execute(
            f"CREATE TABLE `{schema}`.t (id INT AUTO_INCREMENT PRIMARY KEY, "
            "name VARCHAR(50) UNIQUE, n INT NOT NULL DEFAULT 0)"
        )


def test_insert_update_delete_results(target: Endpoint, schema: str) -> None:
    conn = target.pymysql(database=schema, autocommit=True)
    try:
        _table(conn, schema)
        with conn.cursor() as cur:
            assert cur.execute("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')") == 3
            assert cur.lastrowid == 1
            assert cur.execute("INSERT INTO t (name, n) VALUES ('d', 7)") == 1
            assert cur.lastrowid == 4
            assert cur.execute("UPDATE t SET n = n + 1 WHERE id <= 2") == 2
            # Rows matched but unchanged count as 0 affected (no CLIENT_FOUND_ROWS).
            assert cur.execute("UPDATE t SET n = 7 WHERE name = 'd'") == 0
            assert (
                cur.execute("INSERT INTO t (name) VALUES ('a') ON DUPLICATE KEY UPDATE n = 9") == 2
            )
            assert cur.execute("DELETE FROM t WHERE n = 0") == 1
            assert cur.execute("SELECT 1 / 0") == 1
            assert cur.fetchone() == (None,)
            assert cur.warning_count == 1
            cur.execute("SHOW WARNINGS")
            assert cur.fetchall() == (("Warning", 1365, "Division by 0"),)
    finally:
        conn.close()


def test_found_rows_flag(target: Endpoint, schema: str) -> None:
    """CLIENT_FOUND_ROWS must reach the server: matched rows are then reported as affected."""
    conn = target.pymysql(database=schema, autocommit=True, client_flag=CLIENT.FOUND_ROWS)
    try:
        _table(conn, schema)
        with conn.cursor() as cur:
            cur.execute("INSERT INTO t (name) VALUES ('a'), ('b')")
            assert cur.execute("UPDATE t SET n = 0") == 2
    finally:
        conn.close()


def test_multi_statements(target: Endpoint, schema: str) -> None:
    conn = target.pymysql(database=schema, client_flag=CLIENT.MULTI_STATEMENTS, autocommit=True)
    try:
        _table(conn, schema)
        results: list[Any] = []
        with conn.cursor() as cur:
            cur.execute(
                "SELECT 1; SELECT 'a', 'b' UNION SELECT 'c', 'd'; "
                "INSERT INTO t (name) VALUES ('x'), ('y'); SELECT COUNT(*) FROM t; DO 0"
            )
            while True:
                results.append((cur.rowcount, cur.fetchall() if cur.description else None))
                if not cur.nextset():
                    break
            cur.execute("SELECT 'after'")
            assert cur.fetchone() == ("after",)
    finally:
        conn.close()
    assert results == [
        (1, ((1,),)),
        (2, (("a", "b"), ("c", "d"))),
        (2, None),
        (1, ((2,),)),
        (0, None),
    ]


def test_multi_statements_refused_without_flag(target: Endpoint) -> None:
    conn = target.pymysql()
    try:
        with conn.cursor() as cur:
            with pytest.raises(pymysql.err.ProgrammingError) as info:
                cur.execute("SELECT 1; SELECT 2")
            assert info.value.args[0] == 1064
            cur.execute("SELECT 3")
            assert cur.fetchone() == (3,)
    finally:
        conn.close()


def test_error_in_middle_of_multi_statement(target: Endpoint) -> None:
    conn = target.pymysql(client_flag=CLIENT.MULTI_STATEMENTS)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1; SELECT * FROM no_such_db_x.t; SELECT 3")
            assert cur.fetchall() == ((1,),)
            with pytest.raises(pymysql.err.ProgrammingError) as info:
                cur.nextset()
            assert info.value.args[0] == 1146
            cur.execute("SELECT 4")
            assert cur.fetchone() == (4,)
    finally:
        conn.close()


def test_stored_procedure_multiple_results(target: Endpoint, schema: str) -> None:
    conn = target.pymysql(database=schema, autocommit=True)
    try:
        _table(conn, schema)
        with conn.cursor() as cur:
            cur.execute(
                "CREATE PROCEDURE p(IN k INT, OUT total INT) BEGIN "
                "INSERT INTO t (name, n) VALUES (CONCAT('p', k), k); "
                "SELECT id, name FROM t ORDER BY id; "
                "SELECT k * 2 AS twice, 'two' AS label; "
                "SELECT SUM(n) INTO total FROM t; END"
            )
            cur.callproc("p", (21, 0))
            first = cur.fetchall()
            assert cur.nextset()
            second = cur.fetchall()
            # The final OK packet of the CALL is its own (empty) result.
            assert cur.nextset()
            assert cur.description is None
            assert not cur.nextset()
            cur.execute("SELECT @_p_1")
            assert cur.fetchone() == (21,)
    finally:
        conn.close()
    assert first == ((1, "p21"),)
    assert second == ((42, "two"),)


def test_transactions(target: Endpoint, schema: str) -> None:
    conn = target.pymysql(database=schema, autocommit=True)
    try:
        _table(conn, schema)
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            assert conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS
            cur.execute("INSERT INTO t (name) VALUES ('rolled back')")
            cur.execute("ROLLBACK")
            assert not conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS
            cur.execute("START TRANSACTION")
            cur.execute("INSERT INTO t (name) VALUES ('kept')")
            cur.execute("COMMIT")
            conn.autocommit(False)
            assert not conn.server_status & SERVER_STATUS.SERVER_STATUS_AUTOCOMMIT
            cur.execute("INSERT INTO t (name) VALUES ('implicit rolled back')")
            conn.rollback()
            cur.execute("INSERT INTO t (name) VALUES ('implicit kept')")
            conn.commit()
            cur.execute("SELECT name FROM t ORDER BY id")
            assert cur.fetchall() == (("kept",), ("implicit kept",))
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("sql", "errno", "message"),
    [
        ("SELECT * FROM no_such_table", 1146, "Table '{schema}.no_such_table' doesn't exist"),
        (
            "SELEKT 1",
            1064,
            "You have an error in your SQL syntax; check the manual that corresponds to your "
            "MariaDB server version for the right syntax to use near 'SELEKT 1' at line 1",
        ),
        (
            "INSERT INTO t (id, name) VALUES (1, 'dup')",
            1062,
            "Duplicate entry '1' for key 'PRIMARY'",
        ),
    ],
)
def test_errors_keep_connection_usable(
    target: Endpoint, schema: str, sql: str, errno: int, message: str
) -> None:
    conn = target.pymysql(database=schema, autocommit=True)
    try:
        _table(conn, schema)
        with conn.cursor() as cur:
            cur.execute("INSERT INTO t (name) VALUES ('one')")
            with pytest.raises(pymysql.err.MySQLError) as info:
                cur.execute(sql)
            server_flavor = conn.get_server_info()
            expected = message.format(schema=schema)
            if "MariaDB" not in server_flavor:
                expected = expected.replace("MariaDB", "MySQL").replace("'PRIMARY'", "'t.PRIMARY'")
            assert info.value.args == (errno, expected)
            cur.execute("SELECT name FROM t")
            assert cur.fetchall() == (("one",),)
    finally:
        conn.close()


def test_ping_and_select_db(target: Endpoint, schema: str) -> None:
    conn = target.pymysql()
    try:
        conn.ping(reconnect=False)
        conn.select_db(schema)
        with conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            assert cur.fetchone() == (schema,)
        with pytest.raises(pymysql.err.OperationalError) as info:
            conn.select_db("no_such_database_zz")
        assert info.value.args[0] == 1049
        conn.ping(reconnect=False)
        with conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            assert cur.fetchone() == (schema,)
    finally:
        conn.close()


def test_result_larger_than_16mib(target: Endpoint, big_packets: int) -> None:
    """A 20 MiB row crosses the 2^24-1 byte packet limit: the proxy must relay the split."""
    conn = target.pymysql(max_allowed_packet=big_packets)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT @@max_allowed_packet")
            assert cur.fetchone() == (big_packets,)
            cur.execute("SELECT REPEAT('x', 20 * 1024 * 1024), 'tail'")
            value, tail = cur.fetchone()
            # Exactly 2^24-1 bytes of payload is the worst case for the "one more packet" rule.
            cur.execute("SELECT REPEAT('y', 16777216 - 1 - 4)")
            (edge,) = cur.fetchone()
            cur.execute("SELECT 'small'")
            assert cur.fetchone() == ("small",)
    finally:
        conn.close()
    assert len(value) == 20 * MIB and value == "x" * (20 * MIB)
    assert tail == "tail"
    assert edge == "y" * (16777216 - 5)


def test_parameter_larger_than_16mib(target: Endpoint, schema: str, big_packets: int) -> None:
    """A 20 MiB INSERT is split by the client into several packets on its way to the server."""
    blob = bytes(range(256)) * (20 * MIB // 256) + b"end"
    conn = target.pymysql(database=schema, max_allowed_packet=big_packets, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE big (id INT PRIMARY KEY, data LONGBLOB)")
            assert cur.execute("INSERT INTO big VALUES (1, %s)", (blob,)) == 1
            cur.execute("SELECT LENGTH(data), MD5(data) FROM big")
            assert cur.fetchone() == (len(blob), hashlib.md5(blob).hexdigest())
            cur.execute("SELECT data FROM big")
            assert cur.fetchone() == (blob,)
    finally:
        conn.close()


def test_load_data_local_infile(
    target: Endpoint, schema: str, local_infile: None, tmp_path: Path
) -> None:
    rows = [f"{i},name-{i},{i * 3}" for i in range(1, 2001)]
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(rows) + "\n")
    conn = target.pymysql(database=schema, local_infile=True, autocommit=True)
    try:
        _table(conn, schema)
        with conn.cursor() as cur:
            affected = cur.execute(
                "LOAD DATA LOCAL INFILE %s INTO TABLE t FIELDS TERMINATED BY ','",
                (str(path),),
            )
            assert affected == 2000
            cur.execute("SELECT COUNT(*), SUM(n), MAX(name) FROM t")
            assert cur.fetchone() == (2000, 3 * 2000 * 2001 // 2, "name-999")
            # An empty file is a zero-length exchange: still one empty packet from the client.
            empty = tmp_path / "empty.csv"
            empty.write_text("")
            assert cur.execute("LOAD DATA LOCAL INFILE %s INTO TABLE t", (str(empty),)) == 0
            cur.execute("SELECT 'usable'")
            assert cur.fetchone() == ("usable",)
    finally:
        conn.close()
