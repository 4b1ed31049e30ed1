"""Go test programs: build one offline (its build.sh) and run it for a JSON summary."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


def build_go(build_script: Path, out: Path, timeout: float = 300) -> Path:
    """Run a program's build.sh (GO111MODULE=off against /usr/share/gocode); the binary."""
    done = subprocess.run(
        ["bash", str(build_script), str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"go build failed:\n{done.stdout}\n{done.stderr}"
    return out


def run_json(binary: Path, dsn: str, mode: str, timeout: float = 60) -> dict[str, Any]:
    """`binary -dsn DSN -mode MODE`, which prints one JSON object."""
    done = subprocess.run(
        [str(binary), "-dsn", dsn, "-mode", mode],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary
