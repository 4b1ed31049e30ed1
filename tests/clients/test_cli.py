"""The ``mariadb``/``mysql`` command-line client: identical output direct and through the proxy."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .endpoints import Endpoint

SETUP = (
    "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20), note TEXT, at DATETIME(3));"
    "INSERT INTO t VALUES (1, 'one', NULL, '2024-01-01 00:00:00.5'),"
    "(2, 'tab\\there', 'line\\nbreak', NULL), (3, 'emoji \U0001f600', '', '1999-12-31 23:59:59');"
)

QUERIES = [
    "SELECT * FROM t ORDER BY id",
    "SELECT 1 AS a, NULL AS b, 'x' AS c; SELECT COUNT(*) FROM t",
    "SELECT CURRENT_USER(), DATABASE(), @@character_set_client",
    "UPDATE t SET name = UPPER(name) WHERE id < 3; SELECT ROW_COUNT(), name FROM t WHERE id = 1",
]


def _client() -> str:
    for name in ("mariadb", "mysql"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no mariadb/mysql command-line client on PATH (apt-get install mariadb-client)")


def _command(target: Endpoint, schema: str, *args: str) -> list[str]:
    return [
        _client(),
        *target.cli_args(),
        f"--database={schema}",
        "--default-character-set=utf8mb4",
        *args,
    ]


def _run(target: Endpoint, schema: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(target, schema, *args),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("mode", ["--batch", "--table", "--vertical", "--xml"])
def test_output_identical(direct: Endpoint, via_proxy: Endpoint, schema: str, mode: str) -> None:
    outputs = []
    for target in (direct, via_proxy):
        setup = _run(target, schema, "-e", "DROP TABLE IF EXISTS t;" + SETUP)
        assert setup.returncode == 0, setup.stderr
        done = _run(target, schema, mode, "-e", ";".join(QUERIES))
        assert done.returncode == 0, f"{target.name}: {done.stderr}"
        outputs.append(done.stdout)
    assert outputs[1] == outputs[0]
    assert "emoji \U0001f600" in outputs[0]


def test_error_output_identical(direct: Endpoint, via_proxy: Endpoint, schema: str) -> None:
    results = []
    for target in (direct, via_proxy):
        done = _run(target, schema, "--batch", "-e", "SELECT 1; SELECT * FROM missing; SELECT 2")
        results.append((done.returncode, done.stdout, done.stderr))
    assert results[1] == results[0]
    assert results[0][0] == 1
    assert "ERROR 1146 (42S02) at line 1: Table" in results[0][2]


def test_script_on_stdin(direct: Endpoint, via_proxy: Endpoint, schema: str) -> None:
    """A multi-statement script piped in, with a procedure using a custom delimiter."""
    script = (
        SETUP.replace(";", ";\n")
        + "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT COUNT(*) FROM t; SELECT MAX(id) FROM t; "
        "END//\nDELIMITER ;\nCALL p();\nDROP PROCEDURE p;\nDROP TABLE t;\n"
    )
    outputs = []
    for target in (direct, via_proxy):
        done = subprocess.run(
            _command(target, schema, "--batch"),
            input=script,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, f"{target.name}: {done.stderr}"
        outputs.append(done.stdout)
    assert outputs[1] == outputs[0] == "COUNT(*)\n3\nMAX(id)\n3\n"
