"""CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX … ON t and DROP INDEX … ON t on a branch.

The index changes on t's overlay (t becomes dirty: its overlay is what reads and metadata use;
base rows are still read through the mapping, so nothing is copied). The user's own text runs on
the client's connection with the overlay's name spliced in, so the server gives exactly the
errors a real copy would (1061 duplicate key name, 1091 can't drop, 1072 unknown column …) and
the implicit commit happens where it would.
"""

from __future__ import annotations

from sqlglot.tokenizer_core import TokenType

from .ddl_common import must_db, read_name, words_after
from .engine import BranchEngine
from .executor import Executor
from .fkchecks import fk_checks_off
from .outcome import OkReply, Outcome, StatementContext
from .outcome import not_supported as _ns
from .tablemeta import qualified


async def run_index(
    engine: BranchEngine, ctx: StatementContext, client: Executor, sql: str
) -> Outcome:
    toks = words_after(sql, 0)
    depth = 0
    on = None
    for i, t in enumerate(toks):
        if t.token_type == TokenType.L_PAREN:
            depth += 1
        elif t.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and t.token_type == TokenType.ON and i > 2:
            on = i
            break
    if on is None:
        raise _ns("this form of INDEX statement")
    db, name, after = read_name(toks, on + 1)
    db = must_db(ctx, db)
    start, end = toks[on + 1].start, toks[after - 1].end + 1
    ts = await engine.ensure_dirty(ctx.branch, db, name)
    text = sql[:start] + qualified(ts.overlay_db, ts.overlay_table) + sql[end:]
    async with fk_checks_off(client):
        res = await client.query(text)
    engine.forget_meta(ts.overlay_db, ts.overlay_table)
    return OkReply(res.affected_rows, 0, res.warnings, res.info)  # the server's own counts
