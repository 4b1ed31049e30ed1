"""What SQLAlchemy reflection sees of a database, as plain comparable data.

Both `MetaData().reflect()` (rendered back to CREATE TABLE / CREATE INDEX with the MySQL
dialect, so every reflected detail shows) and the Inspector calls ORMs and Alembic use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, create_engine, inspect
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex, CreateTable

from .links import Target


def _plain(value: Any) -> Any:
    """Dicts/lists of the inspector with SQLAlchemy type objects turned into their SQL text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "compile") and hasattr(value, "python_type"):
        return repr(value)
    return value


def reflected(target: Target) -> dict[str, Any]:
    """{"metadata": {table: DDL}, "inspector": {call: result}} of `target`'s database."""
    engine = create_engine(target.url(), poolclass=NullPool, connect_args={"read_timeout": 30})
    try:
        meta = MetaData()
        meta.reflect(engine)
        ddl = {}
        for name, reflected_table in sorted(meta.tables.items()):
            statements = [str(CreateTable(reflected_table).compile(engine))]
            statements += sorted(
                str(CreateIndex(ix).compile(engine)) for ix in reflected_table.indexes
            )
            ddl[name] = "\n".join(s.strip() for s in statements)
        insp = inspect(engine)
        tables = insp.get_table_names()
        calls: dict[str, Any] = {"get_table_names": sorted(tables)}
        for table in sorted(tables):
            calls[f"get_columns({table})"] = _plain(insp.get_columns(table))
            calls[f"get_indexes({table})"] = _plain(insp.get_indexes(table))
            calls[f"get_foreign_keys({table})"] = _plain(insp.get_foreign_keys(table))
            calls[f"get_pk_constraint({table})"] = _plain(insp.get_pk_constraint(table))
            calls[f"get_unique_constraints({table})"] = _plain(insp.get_unique_constraints(table))
        return {"metadata": ddl, "inspector": calls}
    finally:
        engine.dispose()


def reflection_differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for part in ("metadata", "inspector"):
        g, w = got[part], want[part]
        for key in sorted(set(g) | set(w)):
            if g.get(key) != w.get(key):
                out.append(f"{part} {key}:\n  branch: {g.get(key)}\n  copy:   {w.get(key)}")
    return out
