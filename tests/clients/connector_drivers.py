"""Run a :mod:`connector_scenarios` function with the pure driver or the C extension.

The pure driver runs in this process; the C extension runs in ``connector_runner.py`` (a fresh
interpreter, see there why). Both take the same arguments and return the scenario's JSON data.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import connector_scenarios
from .endpoints import Endpoint

RUNNER = Path(__file__).with_name("connector_runner.py")


def run_cext(
    target: Endpoint, scenario: str, *args: Any, conn_attrs: dict[str, str] | None = None
) -> dict[str, Any]:
    spec = {
        "conn_attrs": conn_attrs,
        "host": target.host,
        "port": target.port,
        "user": target.user,
        "password": target.password,
        "scenario": scenario,
        "args": list(args),
    }
    done = subprocess.run(
        [sys.executable, str(RUNNER), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"C-extension runner failed:\n{done.stderr}"
    out = json.loads(done.stdout)
    assert out["class"] == "CMySQLConnection"
    result: dict[str, Any] = out["result"]
    return result


def run_pure(
    target: Endpoint, scenario: str, *args: Any, conn_attrs: dict[str, str] | None = None
) -> dict[str, Any]:
    conn = target.connector(use_pure=True, conn_attrs=conn_attrs or {})
    try:
        assert type(conn).__name__ == "MySQLConnection"
        result: dict[str, Any] = getattr(connector_scenarios, scenario)(conn, *args)
        return result
    finally:
        conn.close()


RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {"pure": run_pure, "cext": run_cext}
