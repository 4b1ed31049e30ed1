"""Where branch sessions meet branchdb's own schemas: the cheap pre-check that sends metadata
statements to the engine, and the refusal of any statement naming `_branchdb` or an overlay
schema (`_bdb_…`).
"""

from __future__ import annotations

import re

from sqlglot.tokenizer_core import TokenType

from branchdb.sqlrewrite.refs import Unparseable, tokenize

from .executor import Executor
from .grants import current_grantee
from .naming import CATALOG_DB, OVERLAY_PREFIX
from .outcome import EngineError, StatementContext

_META_HEADS = ("show", "desc", "explain")
#: The SHOW/DESCRIBE forms `metadata` answers. Others (SHOW WARNINGS, EXPLAIN SELECT, …) must keep
#: passing straight through: the engine's first statement on a connection may run a query of its
#: own there (grants), which would reset the warnings a SHOW WARNINGS is asking about.
_META_FORM = re.compile(
    r"\s*(?:show\s+(?:(?:full|extended)\s+)*"
    r"(?:tables|columns|fields|index|indexes|keys|databases|schemas|triggers|create"
    r"|table\s+status)\b"
    r"|(?:desc|describe|explain)\s+(?!(?:select|insert|update|delete|replace|with|table|values"
    r"|format|extended|partitions|analyze|for)\b)[`\w$])"
)
_INTERNAL_WORD = re.compile(
    re.escape(CATALOG_DB) + r"|" + re.escape(OVERLAY_PREFIX) + r"[\w$]*", re.IGNORECASE
)


def mentions_internal(low: str) -> bool:
    """Cheap pre-check on lower-cased SQL: could it name a branchdb schema?"""
    return OVERLAY_PREFIX in low or CATALOG_DB in low


def touches_metadata(low: str) -> bool:
    """Cheap pre-check on lower-cased SQL: is it a statement `metadata`, `infoschema` or
    `refuse_internal` must see on a branch? Substring tests, and an anchored match only for
    statements that start with SHOW/DESC/EXPLAIN."""
    return (
        ((low.startswith(_META_HEADS) or low[:1].isspace()) and _META_FORM.match(low) is not None)
        or "information_schema" in low
        or mentions_internal(low)
    )


async def refuse_internal(ctx: StatementContext, client: Executor) -> None:
    """Raise 1044 (access denied, SQLSTATE 42000) when the statement names `_branchdb` or an
    overlay schema: a branch session must not read or write branchdb's bookkeeping or another
    branch's rows. 1044 rather than 1235 because this is a permanent privilege boundary, and
    tools already treat an inaccessible schema as "skip it". Nothing runs."""
    if not mentions_internal(ctx.sql.lower()):
        return
    name = _internal_name(ctx.sql)
    if name is not None:
        raise EngineError(1044, "42000", internal_denied(await current_grantee(client), name))


def internal_denied(user: str, database: str) -> str:
    """The 1044 message for a branchdb schema named on a branch (`user` as the server prints
    it, quotes included); the proxy answers COM_INIT_DB and the handshake with it too."""
    return (
        f"Access denied for user {user} to database '{database}'"
        " (branchdb: internal schema, not reachable from a branch)"
    )


def _internal_name(sql: str) -> str | None:
    """The first identifier (not string or comment) naming a branchdb schema."""
    try:
        tokens = tokenize(sql)
    except Unparseable:
        m = _INTERNAL_WORD.search(sql)  # cannot tell strings apart: refuse on any mention
        return m.group(0) if m else None
    for tok in tokens:
        if tok.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING):
            continue
        low = tok.text.lower()
        if low == CATALOG_DB or low.startswith(OVERLAY_PREFIX):
            return tok.text
    return None
