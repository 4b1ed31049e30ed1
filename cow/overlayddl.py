"""The CREATE TABLE that builds a base table's overlay: the base's own `SHOW CREATE TABLE` text,
renamed into the overlay schema, so the overlay carries every index, CHECK and FOREIGN KEY of the
base and metadata on the branch reads as on a real copy (CREATE TABLE … LIKE drops foreign keys).

Foreign keys to the same schema are written unqualified by the server, so on the overlay they
resolve to the sibling overlay tables. Foreign keys to another schema are pointed at that schema's
overlay on the same branch (created with foreign_key_checks = 0, so it need not exist yet). The
keys are shown, not enforced: overlays hold only changed rows, so the engine writes them with
checks off (`fkchecks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .tablemeta import qualified

_HEAD = re.compile(r"^CREATE TABLE (`(?:[^`]|``)+`)", re.IGNORECASE)
_AUTO_INC = re.compile(r" AUTO_INCREMENT=\d+")
_QUALIFIED_REF = re.compile(r"( REFERENCES )`((?:[^`]|``)+)`\.(`(?:[^`]|``)+`)")


def _unquote(ident: str) -> str:
    return ident.replace("``", "`")


def overlay_create_sql(
    show_create: str, base_db: str, ovdb: str, table: str, overlay_of: Callable[[str], str]
) -> str:
    """`CREATE TABLE IF NOT EXISTS ovdb.table …` from the base's SHOW CREATE TABLE text.

    `overlay_of(db)` names the branch's overlay schema of another base database (for foreign
    keys that leave the table's own schema). The AUTO_INCREMENT= option is dropped: the engine
    sets the overlay's counter itself when the table is first written.
    """
    m = _HEAD.match(show_create)
    if m is None:
        raise ValueError("not a CREATE TABLE text")
    body = show_create[m.end() :]
    cut = body.rfind("\n)")
    defs, options = (body[:cut], body[cut:]) if cut >= 0 else (body, "")
    options = _AUTO_INC.sub("", options)

    def reref(r: re.Match[str]) -> str:
        db = _unquote(r.group(2))
        if db == base_db:
            return f"{r.group(1)}{r.group(3)}"
        return f"{r.group(1)}`{overlay_of(db).replace('`', '``')}`.{r.group(3)}"

    defs = "\n".join(
        _QUALIFIED_REF.sub(reref, line) if " FOREIGN KEY " in line else line
        for line in defs.split("\n")
    )
    return f"CREATE TABLE IF NOT EXISTS {qualified(ovdb, table)}{defs}{options}"
