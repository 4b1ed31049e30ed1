"""Which branchdb code the read benchmark measures: the working tree, or one exact commit.

Why: the working tree is shared with people editing the read planner, so a run against it may
measure half-written code. `--commit REV` exports that commit (`git archive`) into a temporary
directory and runs the proxy and the branch CLI from there, so a report names exactly what it
measured. The repository root is the `branchdb` namespace, so the export is reached through a
`branchdb` symlink on PYTHONPATH (which wins over the editable install's finder).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_ENTRY = "import sys; from branchdb.proxy.cli import main; sys.exit(main())"


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip()


@contextmanager
def branchdb_command(commit: str | None) -> Iterator[tuple[list[str], str]]:
    """(command running the `branchdb` CLI, description of the code it runs)."""
    if commit is None:
        dirty = git("status", "--porcelain", "--", "cow", "sqlrewrite", "proxy")
        desc = git("log", "-1", "--format=%h %cI %s")
        note = " plus uncommitted changes in cow/, sqlrewrite/ or proxy/" if dirty else ""
        yield [sys.executable, "-c", _ENTRY], f"working tree at `{desc}`{note}"
        return
    sha = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    if not sha:
        raise SystemExit(f"bench reads: no commit {commit!r}")
    with tempfile.TemporaryDirectory(prefix="branchdb-reads-code-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "archive", sha], cwd=REPO, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        (Path(tmp) / "branchdb").symlink_to(tree)
        desc = git("log", "-1", "--format=%h %cI %s", sha)
        yield ["env", f"PYTHONPATH={tmp}", sys.executable, "-c", _ENTRY], f"commit `{desc}`"
