"""SQLAlchemy Core over ``mysql+pymysql://``: DDL, bound parameters and reflection."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from .endpoints import Endpoint


def _scenario(url: str) -> dict[str, Any]:
    engine = sa.create_engine(url, pool_pre_ping=True)
    meta = sa.MetaData()
    items = sa.Table(
        "items",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("created", sa.DateTime(), server_default=sa.text("'2024-01-01 00:00:00'")),
        sa.Column("payload", sa.LargeBinary),
    )
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            result = conn.execute(
                items.insert(),
                [
                    {"name": f"n{i}", "price": i * 1.5, "payload": bytes([i, 0, 255])}
                    for i in range(5)
                ],
            )
            inserted = result.rowcount
            one = conn.execute(items.insert().values(name="single", price=None))
            pk = one.inserted_primary_key
            assert pk is not None
        with engine.connect() as conn:
            stmt = sa.select(items.c.id, items.c.name, items.c.price, items.c.payload).where(
                items.c.price >= sa.bindparam("low"), items.c.name != sa.bindparam("skip")
            )
            rows = [tuple(r) for r in conn.execute(stmt, {"low": 3, "skip": "n3"})]
            created = conn.execute(sa.select(items.c.created).where(items.c.id == 1)).scalar_one()
        columns = [
            (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("autoincrement"))
            for c in sa.inspect(engine).get_columns("items")
        ]
        indexes = sa.inspect(engine).get_indexes("items")
        pk_cons = sa.inspect(engine).get_pk_constraint("items")
        tables = sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
    return {
        "inserted": inserted,
        "pk": tuple(pk),
        "rows": rows,
        "created": created,
        "columns": columns,
        "indexes": [(i["name"], i["column_names"], i["unique"]) for i in indexes],
        "pk_constraint": pk_cons["constrained_columns"],
        "tables": tables,
    }


def test_core_roundtrip(target: Endpoint, schema: str) -> None:
    out = _scenario(target.sqlalchemy_url(schema))
    assert out["inserted"] == 5
    assert out["pk"] == (6,)
    assert [r[1] for r in out["rows"]] == ["n2", "n4"]
    assert out["rows"][0][3] == bytes([2, 0, 255])
    assert out["created"] == dt.datetime(2024, 1, 1)
    assert [c[0] for c in out["columns"]] == ["id", "name", "price", "created", "payload"]
    assert out["pk_constraint"] == ["id"]
    assert out["tables"] == ["items"]


def test_reflection_matches_direct(
    direct: Endpoint, via_proxy: Endpoint, upstream: Any, schema: str
) -> None:
    first = _scenario(direct.sqlalchemy_url(schema))
    conn = upstream.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE `{schema}`.items")
    finally:
        conn.close()
    second = _scenario(via_proxy.sqlalchemy_url(schema))
    assert second == first
