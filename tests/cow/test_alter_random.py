"""Seeded random schema histories on a branch against a real copy: ADD / DROP / RENAME / CHANGE /
MODIFY (mapped and materializing) interleaved with INSERT / UPDATE / DELETE / SELECT on the
columns as they are at that point, and with transactions (an ALTER commits them). Every reply,
the final SHOW CREATE TABLE and every row must match (see alter_diff). BRANCHDB_ALTER_SEEDS sets
how many seeds run (default 4)."""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

import pytest
from alter_diff import run_case

SEEDS = int(os.environ.get("BRANCHDB_ALTER_SEEDS", "4"))
#: Column types a history moves between; a MODIFY to a later entry of a family keeps values.
TYPES = ("INT", "BIGINT", "VARCHAR(12)", "VARCHAR(40)", "DECIMAL(8,2)", "DATE")


class History:
    """Statements over table `t` of alter_diff, tracking its columns as the statements go."""

    def __init__(self, rng: random.Random, *, retype: bool = True) -> None:
        self.r = rng
        self.retype = retype  # False: only value-keeping MODIFYs, so the table stays mapped
        self.n = 0
        # `a` is the unique key: it is renamed at most, never retyped or dropped.
        self.key = "a"
        self.cols: dict[str, str] = {"b": "INT", "c": "DECIMAL(8,2)", "d": "DATE"}

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def value(self, typ: str) -> str:
        r = self.r.randint(0, 60)
        if typ in ("INT", "BIGINT"):
            return str(r)
        if typ.startswith("VARCHAR"):
            return f"'v{r}'"
        if typ.startswith("DECIMAL"):
            return f"{r / 4}"
        return f"'2024-02-{1 + r % 28:02d}'"

    def step(self) -> str:
        kind = self.r.choice(
            ["add", "drop", "rename", "change", "modify", "index"]
            + ["update", "insert"] * 2
            + ["delete", "select", "tx"]
        )
        if kind == "tx":  # an ALTER inside a transaction commits it, on both sides
            return self.r.choice(["BEGIN", "COMMIT", "ROLLBACK", "BEGIN"])
        if kind in ("drop", "modify", "change") and not self.cols:
            kind = "add"
        if kind == "add":
            col, typ = self.name("n"), self.r.choice(TYPES)
            default = f" DEFAULT {self.value(typ)}" if self.r.random() < 0.7 else ""
            self.cols[col] = typ
            return f"ALTER TABLE t ADD COLUMN {col} {typ}{default}"
        if kind == "drop":
            col = self.r.choice(sorted(self.cols))
            del self.cols[col]
            return f"ALTER TABLE t DROP COLUMN {col}"
        if kind == "rename":
            new = self.name("r")
            if self.r.random() < 0.2 or not self.cols:
                old, self.key = self.key, new
            else:
                old = self.r.choice(sorted(self.cols))
                self.cols[new] = self.cols.pop(old)
            return f"ALTER TABLE t RENAME COLUMN {old} TO {new}"
        if kind == "change":
            old, new = self.r.choice(sorted(self.cols)), self.name("h")
            self.cols[new] = self.cols.pop(old)
            return f"ALTER TABLE t CHANGE {old} {new} {self.cols[new]} NULL"
        if kind == "modify":
            col = self.r.choice(sorted(self.cols))
            wider = {"INT": "BIGINT", "VARCHAR(12)": "VARCHAR(40)"}.get(self.cols[col])
            if not self.retype:
                typ = wider or self.cols[col]
            else:
                typ = wider if wider and self.r.random() < 0.7 else self.r.choice(TYPES)
            self.cols[col] = typ
            return f"ALTER TABLE t MODIFY {col} {typ} NULL"
        if kind == "index":
            col = self.r.choice(sorted(self.cols) or [self.key])
            return f"ALTER TABLE t ADD INDEX {self.name('ix')} ({col})"
        if kind == "update":
            col = self.r.choice(sorted(self.cols) or [self.key])
            val = self.value(self.cols.get(col, "VARCHAR(12)"))
            if col == self.key:
                val = f"CONCAT({col}, '-u')"
            return f"UPDATE t SET {col} = {val} WHERE id % 9 = {self.r.randint(0, 8)}"
        if kind == "insert":
            cols = [c for c in sorted(self.cols) if self.r.random() < 0.6]
            vals = [self.value(self.cols[c]) for c in cols]
            names = ", ".join([self.key, *cols])
            return f"INSERT INTO t ({names}) VALUES ({', '.join([repr(self.name('k')), *vals])})"
        if kind == "delete":
            return f"DELETE FROM t WHERE id % 13 = {self.r.randint(0, 12)}"
        col = self.r.choice(sorted(self.cols) or [self.key])
        return f"SELECT * FROM t WHERE {col} IS NOT NULL ORDER BY id LIMIT 7"


@pytest.mark.parametrize("retype", [False, True], ids=["mapped", "retyping"])
@pytest.mark.parametrize("seed", range(SEEDS))
def test_random_schema_history(schema: str, upstream: Any, seed: int, retype: bool) -> None:
    history = History(random.Random(seed), retype=retype)
    steps = [history.step() for _ in range(40)]
    problems, states = asyncio.run(run_case(upstream, schema, steps))
    assert problems == [], f"seed {seed}:\n" + "\n".join(problems)
    if not retype:
        assert states["t"] == "cow"  # every change was mapped: nothing copied
