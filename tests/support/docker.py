"""MySQL 8 in a container, when a Docker engine answers.

Why: the development machine runs MariaDB, but branchdb must also relay MySQL 8's handshakes
(caching_sha2_password). testcontainers gives a real ``mysql:8.0`` where Docker exists; where
it does not, the test session says so loudly instead of skipping quietly. pytest-free.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .upstream import Upstream, probe

MYSQL8_IMAGE = "mysql:8.0"
ENV_REQUIRE_MYSQL8 = "BRANCHDB_REQUIRE_MYSQL8"
#: Set to 1 to behave as if no Docker engine answered (tests of the no-Docker path use it).
ENV_NO_DOCKER = "BRANCHDB_TEST_NO_DOCKER"


@functools.cache
def docker_engine_problem() -> str | None:
    """None when ``docker info`` works, else a one-line reason (cached for the session)."""
    if os.environ.get(ENV_NO_DOCKER, "") not in ("", "0"):
        return f"disabled by {ENV_NO_DOCKER}"
    docker = shutil.which("docker")
    if docker is None:
        return "no docker client on PATH"
    try:
        res = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "`docker info` timed out"
    if res.returncode != 0 or not res.stdout.strip():
        reason = (res.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`docker info` failed: {reason}"
    return None


@contextmanager
def mysql8_container(image: str = MYSQL8_IMAGE) -> Iterator[Upstream]:
    """Start ``mysql:8.0`` and yield it as an Upstream (root with a password)."""
    try:
        from testcontainers.community.mysql import MySqlContainer
    except ImportError:  # older testcontainers layout
        from testcontainers.mysql import MySqlContainer

    password = "branchdb-root"
    container: Any = MySqlContainer(image, root_password=password, password=password)
    with container:
        host = str(container.get_container_host_ip())
        port = int(container.get_exposed_port(3306))
        yield probe(host, port, "root", password, origin="docker", timeout=30)
