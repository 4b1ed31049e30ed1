"""Overlay privileges: a client works on a branch with its own account, so it needs on the
overlay schema what it holds on the base schema (DESIGN §4 "Accounts and privileges").

Granted by the control account, at table level (table grants take effect on the client's next
statement; schema grants only after its next USE) and at schema level (for tables the branch
creates later). Accounts with global privileges need nothing.
"""

from __future__ import annotations

from .executor import Executor, quote_str, text
from .naming import overlay_db
from .tablemeta import qualified

#: Privileges that make sense on tables; others (e.g. EVENT, ROUTINE ones) are not mirrored.
_TABLE_PRIVS = ("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX")


async def current_grantee(client: Executor) -> str:
    """`'user'@'host'` of the account the client authenticated as."""
    res = await client.query("SELECT CURRENT_USER()")
    raw = text(res.rows[0][0]) or ""
    user, _, host = raw.rpartition("@")
    return f"{_plain(user)}@{_plain(host)}"


def _plain(s: str) -> str:
    """'…' quoting: information_schema spells grantees this way, and GRANT accepts it."""
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


async def mirror_grants(control: Executor, branch_id: str, db: str, grantee: str) -> None:
    """Give `grantee` on the branch's overlay schema of `db` what it holds on `db`."""
    ovdb = overlay_db(branch_id, db)
    res = await control.query(
        "SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES"
        f" WHERE GRANTEE = {quote_str(grantee)} AND TABLE_SCHEMA = {quote_str(db)}"
    )
    privs = sorted({text(r[0]) or "" for r in res.rows} & set(_TABLE_PRIVS))
    if not privs:
        return
    res = await control.query(
        f"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = {quote_str(ovdb)}"
    )
    tables = [text(r[0]) or "" for r in res.rows]
    if not tables:
        return
    listed = ", ".join(privs)
    await control.query(f"GRANT {listed} ON `{ovdb}`.* TO {grantee}")
    for t in tables:
        await control.query(f"GRANT {listed} ON {qualified(ovdb, t)} TO {grantee}")
