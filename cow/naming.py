"""Names of branch-owned objects on the server, kept within MySQL's 64-character identifier limit.

Kept in one module so the catalog, the storage code and the tests agree on them.
"""

from __future__ import annotations

import hashlib
import secrets

CATALOG_DB = "_branchdb"
OVERLAY_PREFIX = "_bdb_"
TOMB_PREFIX = "_bdbt_"
MAX_IDENT = 64


def new_branch_id() -> str:
    """A short random id: 8 hex digits leaves 50 characters for the base schema name."""
    return secrets.token_hex(4)


def _fit(name: str, budget: int) -> str:
    if len(name) <= budget:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return name[: budget - 9] + "_" + digest


def overlay_db(branch_id: str, base_db: str) -> str:
    head = f"{OVERLAY_PREFIX}{branch_id}_"
    return head + _fit(base_db, MAX_IDENT - len(head))


def branch_of_overlay(ovdb: str) -> str:
    """The branch id in an overlay schema's name (ids are hex: no '_' inside)."""
    return ovdb[len(OVERLAY_PREFIX) :].split("_", 1)[0]


def tomb_table(table: str) -> str:
    return TOMB_PREFIX + _fit(table, MAX_IDENT - len(TOMB_PREFIX))


def is_internal_db(name: str) -> bool:
    return name == CATALOG_DB or name.startswith(OVERLAY_PREFIX)
