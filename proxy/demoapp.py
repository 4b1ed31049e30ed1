"""The demo's application: what a developer's service does at startup, unaware of branches.

It reads DB_CONNECTION_URL, runs its migration (create the table with an email column, or add the
column to an existing table), inserts Bob through a server-side prepared statement and lists the
users as JSON. (tests/prepared drives the same scenario with the binary protocol from Go.)
"""

from __future__ import annotations

import json
import os
import sys

import pymysql

from branchdb.proxy.dsn import parse_dsn


def main() -> int:
    dsn = parse_dsn(os.environ["DB_CONNECTION_URL"])
    conn = pymysql.connect(
        host=dsn.host,
        port=dsn.port,
        user=dsn.user,
        password=dsn.password,
        database=dsn.database,
        autocommit=True,
    )
    steps: list[str] = []
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS users (id INT AUTO_INCREMENT PRIMARY KEY, "
            "name VARCHAR(255), email VARCHAR(255))"
        )
        steps.append("CREATE TABLE IF NOT EXISTS users (... email ...)")
        try:
            cur.execute("SELECT email FROM users LIMIT 0")
        except pymysql.err.OperationalError as exc:
            if exc.args[0] != 1054:  # unknown column: the table predates the email column
                raise
            cur.execute("ALTER TABLE users ADD COLUMN email VARCHAR(255)")
            steps.append("ALTER TABLE users ADD COLUMN email VARCHAR(255)")
        # A server-side prepared statement, as the app's driver would use.
        cur.execute("PREPARE add_user FROM 'INSERT INTO users(name, email) VALUES(?, ?)'")
        cur.execute("SET @name = %s, @email = %s", ("Bob", "bob@example.com"))
        cur.execute("EXECUTE add_user USING @name, @email")
        cur.execute("SELECT LAST_INSERT_ID()")
        new_id = cur.fetchone()[0]
        cur.execute("DEALLOCATE PREPARE add_user")
        steps.append(f"PREPARE/EXECUTE INSERT INTO users(name, email) VALUES(?, ?) -> id {new_id}")
        cur.execute("SELECT id, name, email FROM users ORDER BY id")
        rows = [list(r) for r in cur.fetchall()]
    conn.close()
    json.dump({"steps": steps, "rows": rows}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
