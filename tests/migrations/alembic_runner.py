"""Run Alembic commands programmatically on a target (a branch or a real copy).

Each command gets its own engine and connection (NullPool: nothing outlives the step) and a
StatementLog, and returns what happened instead of raising, so the test can compare the branch
with the real copy and print the failing statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from .links import Target
from .sqllog import StatementLog

PROJECT = Path(__file__).resolve().parent / "alembic_project"


@dataclass
class StepResult:
    error: str | None
    log: StatementLog

    def describe(self, what: str) -> str:
        return f"{what} failed: {self.error}\n{self.log.tail()}"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT))
    return cfg


def run_alembic(target: Target, step: Callable[[Config], None]) -> StepResult:
    """Run `step(cfg)` (e.g. ``lambda c: command.upgrade(c, "head")``) on `target`."""
    engine = create_engine(target.url(), poolclass=NullPool, connect_args={"read_timeout": 30})
    log = StatementLog()
    log.attach(engine)
    cfg = _config()
    error: str | None = None
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg)
    except Exception as e:  # the test reports any failure of the tool, with its statement
        error = f"{type(e).__name__}: {e}"
    finally:
        engine.dispose()
    return StepResult(error, log)


REVISIONS = ("r1", "r2", "r3", "r4", "r5", "r6")


def upgrade_to(revision: str) -> Callable[[Config], None]:
    def step(cfg: Config) -> None:
        command.upgrade(cfg, revision)

    return step


def downgrade_to(revision: str) -> Callable[[Config], None]:
    def step(cfg: Config) -> None:
        command.downgrade(cfg, revision)

    return step


def upgrade(cfg: Config) -> None:
    command.upgrade(cfg, "head")


def downgrade(cfg: Config) -> None:
    command.downgrade(cfg, "base")


def check(cfg: Config) -> None:
    command.check(cfg)
