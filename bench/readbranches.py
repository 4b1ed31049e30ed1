"""The read benchmark's two branches, made by the measured code's own `branchdb branch` CLI.

Why this is more than two `create` calls: the upstream is shared, and a test session's cleanup
deletes every branch created after the session started, so a benchmark branch can vanish in
the middle of a run. The branches are therefore kept between runs (reset, not deleted: one
created long before a test session started is never touched by its cleanup), checked after each
level, and rebuilt when one is gone: the caller then replays the changes and measures that
level again. Overlay schemas that a deleted branch's id left behind are dropped.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Sequence

from branchdb.bench import readdata
from branchdb.bench.target import Target


class BranchGone(RuntimeError):
    """A benchmark branch was deleted by someone else."""


class BenchBranches:
    def __init__(self, cmd: Sequence[str], upstream: Target, schema: str) -> None:
        self.cmd = list(cmd)
        self.upstream = upstream
        self.users_only = f"benchreads-{schema}-u"
        self.with_orders = f"benchreads-{schema}-uo"
        self.ids: dict[str, str] = {}

    @property
    def names(self) -> list[str]:
        return [self.users_only, self.with_orders]

    def _cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.cmd, "branch", *args, "--upstream", self.upstream.url],
            capture_output=True,
            text=True,
            check=False,
        )

    def _must(self, *args: str) -> str:
        done = self._cli(*args)
        if done.returncode != 0:
            raise SystemExit(f"bench reads: branch {shlex.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def _id(self, name: str) -> str | None:
        done = self._cli("show", name, "--json")
        if done.returncode != 0:
            return None
        return str(json.loads(done.stdout)["id"])

    def fresh(self) -> None:
        """Both branches exist with no changes (reset when kept from before, else created)."""
        for name in self.names:
            if self._id(name) is not None:
                self._must("reset", name)
            else:
                self._drop_leftovers(name)
                self._must("create", name)
            found = self._id(name)
            if found is None:
                raise BranchGone(f"branch {name} vanished right after it was made")
            self.ids[name] = found

    def all_there(self) -> bool:
        """True when both branches are still the ones `fresh` made."""
        return all(self._id(name) == self.ids.get(name) for name in self.names)

    def finish(self, keep: bool) -> None:
        """Reset (keep=True: reused by the next run) or delete the branches."""
        for name in self.names:
            if self._id(name) is not None:
                self._must(*(("reset", name) if keep else ("delete", name, "--force")))
            self._drop_leftovers(name)

    def _drop_leftovers(self, name: str) -> None:
        old = self.ids.get(name)
        if not old or self._id(name) == old:
            return
        conn = readdata.connect(self.upstream)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW DATABASES LIKE %s", (f"\\_bdb\\_{old}\\_%",))
                for (db,) in cur.fetchall():
                    cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
        finally:
            conn.close()
