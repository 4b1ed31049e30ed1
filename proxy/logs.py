"""Structured, quiet-by-default logging: one line per event, `event key=value ...`."""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "branchdb"


def setup(level: str = "warning") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger(LOGGER_NAME)
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}")


def _fmt(value: object) -> str:
    s = str(value)
    if not s or any(ch.isspace() or ch in '"=' for ch in s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def event(logger: logging.Logger, level: int, name: str, **fields: object) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, "%s %s", name, " ".join(f"{k}={_fmt(v)}" for k, v in fields.items()))
