"""Record the SQL a tool sends through an SQLAlchemy engine, so a failure names the statement.

Triage needs the exact statement a migration tool sent and the error it got; the proxy does not
log statements, so the tests listen on the client side (SQLAlchemy's cursor events).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "handle_error", self._error)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        text = " ".join(statement.split())
        self.statements.append(f"{text}  {params!r}" if params else text)

    def _error(self, context: Any) -> None:
        statement = " ".join(str(context.statement or "").split())
        self.errors.append(f"{statement}\n    -> {context.original_exception!r}")

    def tail(self, n: int = 8) -> str:
        """The last statements and every error, for an assertion message."""
        lines = [f"  {s}" for s in self.statements[-n:]]
        errors = [f"  ERROR {e}" for e in self.errors]
        return "\n".join(["last statements:", *lines, *errors])
