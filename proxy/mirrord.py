"""Read a mirrord.json's `db_branches` entry so a mirrord user can switch without new config.

Both placements are accepted: `feature.db_branches` (mirrord's feature section) and a top-level
`db_branches`. Only `mysql`/`mariadb` entries apply; others get a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class MirrordConfigError(ValueError):
    pass


@dataclass(frozen=True)
class BranchRequest:
    """What `branchdb exec` should create or attach, from flags or a mirrord entry."""

    branch_id: str | None  # reuse this branch; None: a fresh one
    database: str | None
    variable: str
    mode: str
    ttl_secs: int | None
    filters: dict[str, str] = field(default_factory=dict)


def _entries(config: dict[str, Any]) -> list[Any]:
    feature = config.get("feature")
    if isinstance(feature, dict) and isinstance(feature.get("db_branches"), list):
        return list(feature["db_branches"])
    if isinstance(config.get("db_branches"), list):
        return list(config["db_branches"])
    return []


def read_mirrord(path: Path, default_variable: str) -> BranchRequest | None:
    """The first db_branches entry of the file, or None when it has none."""
    try:
        config = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise MirrordConfigError(f"cannot read {path}: {exc}") from exc
    entries = _entries(config)
    if not entries:
        return None
    entry = entries[0]
    if not isinstance(entry, dict):
        raise MirrordConfigError("db_branches entries must be objects")
    kind = str(entry.get("type", "mysql")).lower()
    if kind not in ("mysql", "mariadb"):
        raise MirrordConfigError(
            f"db_branches type {kind!r} is not supported by branchdb (only mysql and mariadb)"
        )
    ttl: int | None = None
    if "ttl_secs" in entry:
        ttl = int(entry["ttl_secs"])
    elif "ttl_mins" in entry:
        ttl = int(entry["ttl_mins"]) * 60
    return _request(entry, default_variable, ttl)


def _request(entry: dict[str, Any], default_variable: str, ttl: int | None) -> BranchRequest:
    mode, filters = _mode(entry.get("copy"))
    return BranchRequest(
        branch_id=str(entry["id"]) if entry.get("id") else None,
        database=str(entry["name"]) if entry.get("name") else None,
        variable=_variable(entry.get("connection"), default_variable),
        mode=mode,
        ttl_secs=ttl,
        filters=filters,
    )


def _variable(connection: Any, default: str) -> str:
    if not isinstance(connection, dict):
        return default
    url = connection.get("url")
    if isinstance(url, str):  # the flat form: "url": "VAR"
        return url
    if isinstance(url, dict):
        if url.get("type", "env") not in ("env", "env_from"):
            raise MirrordConfigError(f"connection.url.type {url.get('type')!r} is not supported")
        if url.get("variable"):
            return str(url["variable"])
    return default


def _mode(copy: Any) -> tuple[str, dict[str, str]]:
    """mirrord's copy section as a branch mode; mirrord's default mode is `empty`."""
    if not isinstance(copy, dict):
        return "empty", {}
    mode = str(copy.get("mode", "empty"))
    if mode not in ("empty", "schema", "all"):
        raise MirrordConfigError(f"copy.mode {mode!r} is not one of empty, schema, all")
    filters: dict[str, str] = {}
    tables = copy.get("tables")
    if isinstance(tables, dict):
        for table, spec in tables.items():
            where = spec.get("filter") if isinstance(spec, dict) else None
            filters[str(table)] = str(where) if where else "TRUE"
    if filters:
        if mode == "all":
            raise MirrordConfigError("copy.tables filters cannot be combined with mode 'all'")
        return "filtered", filters
    return mode, filters
