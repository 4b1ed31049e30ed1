"""The release scenario's app, written as two real clients would write it.

Both run the app's startup migration on `users` (create it with an email column if missing, else
add the column), insert Bob and list the users:

* `sqlalchemy_app`: SQLAlchemy over PyMySQL, the ORM way: `create_all` (checks the table with
  DESCRIBE) and the Inspector to decide on the ALTER, so it leans on metadata of the branch;
* `connector_app`: mysql-connector-python with server-side prepared statements
  (`cursor(prepared=True)`: COM_STMT_PREPARE/EXECUTE), probing the column with a SELECT, as the
  demo app does; it names the branch with the `branch` connection attribute.
"""

from __future__ import annotations

from typing import Any

import mysql.connector
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from .links import Target

BOB = ("Bob", "bob@example.com")
CREATE_USERS = (
    "CREATE TABLE IF NOT EXISTS users (id INT AUTO_INCREMENT PRIMARY KEY, "
    "name VARCHAR(255), email VARCHAR(255))"
)
ADD_EMAIL = "ALTER TABLE users ADD COLUMN email VARCHAR(255)"


def sqlalchemy_app(target: Target, branch: str | None = None) -> dict[str, Any]:
    """`branch` is unused: the branch is in the URL's user name (`root~feat`)."""
    meta = MetaData()
    users = Table(
        "users",
        meta,
        Column("id", Integer, primary_key=True),
        Column("name", String(255)),
        Column("email", String(255)),
    )
    engine = create_engine(target.url(), poolclass=NullPool, connect_args={"read_timeout": 30})
    steps: list[str] = []
    try:
        with engine.begin() as conn:
            meta.create_all(conn)  # CREATE TABLE only if DESCRIBE says it is missing
            steps.append("create_all")
            columns = [c["name"] for c in inspect(conn).get_columns("users")]
            if "email" not in columns:
                conn.execute(text(ADD_EMAIL))
                steps.append(ADD_EMAIL)
        with engine.begin() as conn:
            done = conn.execute(users.insert().values(name=BOB[0], email=BOB[1]))
            key = done.inserted_primary_key
            inserted = key[0] if key is not None else None
            result = conn.execute(text("SELECT * FROM users ORDER BY id"))
            names = list(result.keys())
            rows = [list(r) for r in result]
    finally:
        engine.dispose()
    return {"steps": steps, "insert_id": inserted, "columns": names, "users": rows}


def connector_app(target: Target, branch: str | None = None) -> dict[str, Any]:
    """On a branch, `target` has the plain user name and `branch` goes in as a conn attribute."""
    extra: dict[str, Any] = {"conn_attrs": {"branch": branch}} if branch else {}
    conn = mysql.connector.connect(
        host=target.host,
        port=target.port,
        user=target.user.split("~", 1)[0],
        password=target.password,
        database=target.database,
        autocommit=True,
        use_pure=True,
        connection_timeout=10,
        **extra,
    )
    steps: list[str] = []
    try:
        cur = conn.cursor(prepared=True)
        cur.execute(CREATE_USERS)
        steps.append("CREATE TABLE IF NOT EXISTS")
        try:
            cur.execute("SELECT email FROM users LIMIT 0")
            cur.fetchall()
        except mysql.connector.Error as e:
            if e.errno != 1054:  # unknown column: the table predates the email column
                raise
            cur.execute(ADD_EMAIL)
            steps.append(ADD_EMAIL)
        cur.execute("INSERT INTO users (name, email) VALUES (%s, %s)", BOB)
        inserted = cur.lastrowid
        cur.execute("SELECT * FROM users WHERE id > %s ORDER BY id", (0,))
        names = [d[0] for d in cur.description or ()]
        rows = [list(r) for r in cur.fetchall()]
        cur.close()
    finally:
        conn.close()
    return {"steps": steps, "insert_id": inserted, "columns": names, "users": rows}
