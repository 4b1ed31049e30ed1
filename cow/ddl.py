"""DDL on a branch: the dispatcher. Each kind of object has its module: tables (`ddl_tables`),
RENAME TABLE (`ddl_rename`), indexes (`ddl_index`), databases (`ddl_schema`), views
(`ddl_view`); ALTER TABLE lives in `ddl_alter`. User DDL runs against the overlay (on the client's
connection where the server's own errors and implicit commit matter, on the control connection
where the client may lack the privilege), the catalog follows on the control connection.
Anything else is refused with 1235 and changes nothing: never run on the base.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from branchdb.sqlrewrite.refs import Unparseable, parse, tokenize

from .ddl_alter import run_alter
from .ddl_index import run_index
from .ddl_rename import rename_branch_table, run_rename
from .ddl_schema import create_database, drop_database, physical_db, use_outcome
from .ddl_tables import create_table, drop_tables, truncate
from .ddl_view import create_view, drop_views
from .engine import BranchEngine
from .executor import Executor
from .outcome import Outcome, Passthrough, StatementContext, no_such_table
from .outcome import not_supported as _ns

_OBJECTS = frozenset(
    {
        "TABLE",
        "INDEX",
        "DATABASE",
        "SCHEMA",
        "VIEW",
        "TRIGGER",
        "PROCEDURE",
        "FUNCTION",
        "EVENT",
        "SEQUENCE",
        "USER",
        "ROLE",
        "SERVER",
        "TABLESPACE",
        "PACKAGE",
        "SYNONYM",
    }
)
#: Objects that would run code or live outside a table: a branch cannot scope them.
_ROUTINES = {
    "TRIGGER": "triggers would have to live on base tables or on overlays that hold only changed"
    " rows",
    "PROCEDURE": "stored routines run with the base schema's names, outside the branch",
    "FUNCTION": "stored routines run with the base schema's names, outside the branch",
    "EVENT": "events run on the server's scheduler, outside any branch session",
}


def _object_word(tokens: list) -> tuple[str, bool]:  # type: ignore[type-arg]
    """The kind of object a CREATE/DROP/ALTER names, and whether TEMPORARY was said."""
    temporary = False
    for t in tokens[1:8]:
        if t.token_type == TokenType.IDENTIFIER:
            continue
        word = t.text.upper()
        if word == "TEMPORARY":
            temporary = True
        if word in _OBJECTS:
            return word, temporary
    return "", temporary


async def run_ddl(
    engine: BranchEngine, ctx: StatementContext, client: Executor, keyword: str
) -> Outcome:
    if keyword == "RENAME":
        return await run_rename(engine, ctx, client, ctx.sql)
    if keyword not in ("CREATE", "ALTER", "TRUNCATE", "DROP"):
        raise _ns(keyword)
    try:
        tokens = tokenize(ctx.sql)
    except Unparseable:
        raise _ns(f"this form of {keyword}") from None
    obj, temporary = _object_word(tokens)
    if obj in _ROUTINES and keyword in ("CREATE", "ALTER"):
        raise _ns(f"{keyword} {obj} ({_ROUTINES[obj]})")
    if keyword == "ALTER" and obj == "TABLE":
        # ddl_alter reads ALTER TABLE with its own tokenizer-based reader: every form the server
        # accepts (ADD CHECK, CONVERT TO, ONLINE/IGNORE), also those sqlglot cannot parse.
        return await run_alter(engine, ctx, client)
    if obj == "INDEX" and keyword in ("CREATE", "DROP"):
        return await run_index(engine, ctx, client, ctx.sql)
    if keyword == "DROP" and obj == "TABLE" and temporary:
        return Passthrough()  # drops only this connection's temporary tables, never base ones
    if keyword == "DROP" and obj in _ROUTINES:
        raise _ns(f"DROP {obj} ({obj.lower()}s are not created on a branch)")
    try:
        tree = parse(ctx.sql)
    except Unparseable:
        raise _ns(f"this form of {keyword} {obj}".rstrip()) from None
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        if kind == "TABLE":
            return await create_table(engine, ctx, client, tree, tokens)
        if kind in ("DATABASE", "SCHEMA"):
            return await create_database(engine, ctx, client, tree, tokens)
        if kind == "VIEW":
            return await create_view(engine, ctx, client, tree, tokens)
        raise _ns(f"CREATE {kind or obj or '…'}")
    if isinstance(tree, exp.TruncateTable):
        return await truncate(engine, ctx, client, tree)
    if isinstance(tree, exp.Alter):
        return await run_alter(engine, ctx, client, tree)
    if isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "").upper()
        if kind == "TABLE":
            return await drop_tables(engine, ctx, client, tree)
        if kind in ("DATABASE", "SCHEMA"):
            return await drop_database(engine, ctx, client, tree)
        if kind == "VIEW":
            return await drop_views(engine, ctx, client, tree)
        raise _ns(f"DROP {kind or obj or '…'}")
    raise _ns(f"this form of {keyword}")


__all__ = ["no_such_table", "physical_db", "rename_branch_table", "run_ddl", "use_outcome"]
