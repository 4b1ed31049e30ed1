"""Run a :mod:`connector_steps` function with the connector's C extension; print JSON.

Usage: ``python cext_runner.py JSON`` with host, port, user, password, database, step, args.
The C extension must be imported before anything loads Python's ``ssl`` module, hence a fresh
interpreter and the import order in :func:`main` (as tests/clients/connector_runner.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    import _mysql_connector  # type: ignore[import-not-found]  # noqa: F401  (own libssl first)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import connector_steps  # type: ignore[import-not-found]
    import mysql.connector

    spec = json.loads(sys.argv[1])
    conn = mysql.connector.connect(
        host=spec["host"],
        port=spec["port"],
        user=spec["user"],
        password=spec["password"],
        database=spec["database"],
        autocommit=True,
        use_pure=False,
        connection_timeout=10,
    )
    try:
        result = getattr(connector_steps, spec["step"])(conn, *spec["args"])
    finally:
        conn.close()
    json.dump({"class": type(conn).__name__, "result": result}, sys.stdout)


if __name__ == "__main__":
    main()
