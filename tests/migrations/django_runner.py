"""Run Django's `migrate` as a real subprocess against a target (a branch or a real copy).

A subprocess, as a developer runs it: `python -m django migrate --settings=bdb_settings`, the
database URL in the environment (with `~branch` in the user name on the proxy). Every statement
is logged to stderr so a failure names the SQL that broke.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .links import Target

PROJECT = Path(__file__).resolve().parent / "django_project"
_SQL_LINE = re.compile(r"^\(\d+\.\d+\) \S")


@dataclass
class MigrateResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self, where: str, statements: int = 8) -> str:
        """The last statements Django logged (``(0.001) SQL; args=…``) and the final error."""
        lines = self.stderr.strip().splitlines()
        sql = [line for line in lines if _SQL_LINE.match(line)][-statements:]
        error = lines[-1] if lines else ""
        shown = "\n".join(f"  {line[:400]}" for line in sql)
        return (
            f"migrate {' '.join(self.args)} on {where} exited {self.returncode}\n"
            f"last statements:\n{shown}\nerror: {error}"
        )


def migrate(target: Target, *args: str, timeout: float = 45) -> MigrateResult:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "BRANCHDB_DJANGO_DB_URL": target.url("mysql"),
        "BRANCHDB_DJANGO_SQL_LOG": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "django", "migrate", *args, "--settings=bdb_settings", "-v", "1"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return MigrateResult(args, done.returncode, done.stdout, done.stderr)


def django_seed(target: Target) -> None:
    """The shared database at migration 0001 (applied directly), with rows in every table."""
    done = migrate(target, "bdb_shop", "0001")
    assert done.ok, done.describe("the shared schema")
    conn = target.connect()
    try:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bdb_shop_category (name) VALUES (%s)",
                [(f"category {i}",) for i in range(1, 6)],
            )
            cur.executemany(
                "INSERT INTO bdb_shop_customer (name, email) VALUES (%s, %s)",
                [(f"Customer {i}", f"c{i}@example.com") for i in range(1, 101)],
            )
            cur.executemany(
                "INSERT INTO bdb_shop_product (name, price, category_id) VALUES (%s, %s, %s)",
                [(f"Product {i % 40}", f"{i}.50", 1 + i % 5) for i in range(1, 151)],
            )
    finally:
        conn.close()
