"""Run a :mod:`connector_scenarios` function with the connector's C extension, print JSON.

Usage: ``python connector_runner.py JSON`` where JSON has host, port, user, password,
scenario, args and optionally conn_attrs.
The C extension must be imported before anything loads Python's ``ssl`` module, hence a fresh
interpreter and the import order in :func:`main`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    import _mysql_connector  # type: ignore[import-not-found]  # noqa: F401  (own libssl first)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import connector_scenarios  # type: ignore[import-not-found]
    import mysql.connector

    spec = json.loads(sys.argv[1])
    conn = mysql.connector.connect(
        host=spec["host"],
        port=spec["port"],
        user=spec["user"],
        password=spec["password"],
        use_pure=False,
        connection_timeout=10,
        conn_attrs=spec.get("conn_attrs") or {},
    )
    try:
        result = getattr(connector_scenarios, spec["scenario"])(conn, *spec["args"])
    finally:
        conn.close()
    json.dump({"class": type(conn).__name__, "result": result}, sys.stdout)


if __name__ == "__main__":
    main()
