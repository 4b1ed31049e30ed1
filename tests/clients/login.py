"""One login attempt per client, reduced to a comparable string.

Why strings: a successful login and a refused one must look the same direct and through the
proxy, down to the error number and message, so each attempt becomes ``ok <CURRENT_USER()>`` or
``error <errno> <message>`` (or ``client-error ...`` when the driver itself gave up, e.g. a
plugin it does not implement).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import mysql.connector
import pymysql

from .endpoints import Endpoint

Attempt = Callable[[Endpoint], str]


def with_pymysql(target: Endpoint) -> str:
    try:
        conn = target.pymysql()
    except pymysql.err.MySQLError as e:
        return f"error {e.args[0]} {e.args[1]}"
    except Exception as e:  # a driver-side refusal (e.g. missing optional dependency)
        return f"client-error {type(e).__name__}: {e}"
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            return f"ok {cur.fetchone()[0]}"
    finally:
        conn.close()


def with_connector(target: Endpoint) -> str:
    try:
        conn = target.connector(use_pure=True)
    except mysql.connector.Error as e:
        if e.errno is None or e.errno < 1000 or e.errno >= 2000:
            return f"client-error {e.errno} {e.msg}"
        return f"error {e.errno} {e.msg}"
    try:
        cur = conn.cursor()
        cur.execute("SELECT CURRENT_USER()")
        row: Any = cur.fetchone()
        cur.close()
        return f"ok {row[0]!s}"
    finally:
        conn.close()


def with_cli(target: Endpoint) -> str:
    client = shutil.which("mariadb") or shutil.which("mysql")
    assert client, "no mariadb/mysql command-line client on PATH"
    done = subprocess.run(
        [
            client,
            *target.cli_args(),
            "--batch",
            "--skip-column-names",
            "-e",
            "SELECT CURRENT_USER()",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if done.returncode == 0:
        return f"ok {done.stdout.strip()}"
    # "ERROR 1045 (28000): Access denied ..." -> "error 1045 Access denied ..."
    head, _, message = done.stderr.strip().partition(": ")
    parts = head.split()
    if len(parts) >= 2 and parts[0] == "ERROR" and parts[1].isdigit():
        return f"error {parts[1]} {message}"
    return f"client-error {done.stderr.strip()}"


ATTEMPTS: dict[str, Attempt] = {
    "pymysql": with_pymysql,
    "connector": with_connector,
    "cli": with_cli,
}

#: Plugins each client implements; elsewhere a refusal is the client's, not the proxy's.
CLIENT_PLUGINS: dict[str, set[str]] = {
    "pymysql": {"mysql_native_password", "ed25519", "caching_sha2_password", "sha256_password"},
    "connector": {"mysql_native_password", "caching_sha2_password", "sha256_password"},
    "cli": {"mysql_native_password", "ed25519", "caching_sha2_password", "sha256_password"},
}
