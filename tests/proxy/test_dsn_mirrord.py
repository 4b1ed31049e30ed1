"""Connection-string rewriting and mirrord.json reading (pure functions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branchdb.proxy.dsn import DSNError, parse_dsn, point_at
from branchdb.proxy.mirrord import MirrordConfigError, read_mirrord

CASES = [
    (
        "mysql://app:p%40ss@db.internal:3306/users_db?charset=utf8mb4",
        "mysql://app:p%40ss@127.0.0.1:4000/users_db?charset=utf8mb4",
        ("db.internal", 3306, "app", "p@ss", "users_db"),
    ),
    (
        "app:pw@tcp(db:3307)/users_db?parseTime=true&loc=UTC",
        "app:pw@tcp(127.0.0.1:4000)/users_db?parseTime=true&loc=UTC",
        ("db", 3307, "app", "pw", "users_db"),
    ),
    (
        "mysql+pymysql://u@h/db",
        "mysql+pymysql://u@127.0.0.1:4000/db",
        ("h", 3306, "u", "", "db"),
    ),
    (
        "jdbc:mysql://db:3306/x?useSSL=false",
        "jdbc:mysql://127.0.0.1:4000/x?useSSL=false",
        ("db", 3306, "", "", "x"),
    ),
    (
        "root@tcp(127.0.0.1:3306)/",
        "root@tcp(127.0.0.1:4000)/",
        ("127.0.0.1", 3306, "root", "", None),
    ),
    ("mariadb://a:b@[::1]:3310", "mariadb://a:b@127.0.0.1:4000", ("::1", 3310, "a", "b", None)),
]


@pytest.mark.parametrize(("dsn", "pointed", "parts"), CASES)
def test_parse_and_point(dsn: str, pointed: str, parts: tuple[object, ...]) -> None:
    parsed = parse_dsn(dsn)
    assert (parsed.host, parsed.port, parsed.user, parsed.password, parsed.database) == parts
    assert point_at(dsn, "127.0.0.1", 4000) == pointed


def test_unix_socket_go_dsn_is_refused() -> None:
    with pytest.raises(DSNError, match="TCP"):
        parse_dsn("app@unix(/run/mysqld.sock)/db")


def write(tmp_path: Path, config: object) -> Path:
    path = tmp_path / "mirrord.json"
    path.write_text(json.dumps(config))
    return path


def test_mirrord_feature_db_branches(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "feature": {
                "db_branches": [
                    {
                        "id": "shared-x",
                        "type": "mysql",
                        "name": "users_db",
                        "ttl_mins": 5,
                        "connection": {"url": {"type": "env", "variable": "DATABASE_URL"}},
                        "copy": {"mode": "schema", "tables": {"users": {"filter": "id < 10"}}},
                    }
                ]
            }
        },
    )
    req = read_mirrord(path, "DB_CONNECTION_URL")
    assert req is not None
    assert (req.branch_id, req.database, req.variable, req.ttl_secs) == (
        "shared-x",
        "users_db",
        "DATABASE_URL",
        300,
    )
    assert req.mode == "filtered" and req.filters == {"users": "id < 10"}


def test_mirrord_defaults_and_flat_url(tmp_path: Path) -> None:
    path = write(tmp_path, {"db_branches": [{"type": "mariadb", "connection": {"url": "MY_DSN"}}]})
    req = read_mirrord(path, "DB_CONNECTION_URL")
    assert req is not None
    assert (req.branch_id, req.mode, req.variable, req.ttl_secs) == (None, "empty", "MY_DSN", None)


def test_mirrord_rejects_other_engines(tmp_path: Path) -> None:
    path = write(tmp_path, {"db_branches": [{"type": "pg"}]})
    with pytest.raises(MirrordConfigError, match="'pg' is not supported"):
        read_mirrord(path, "X")


def test_mirrord_without_entries(tmp_path: Path) -> None:
    assert read_mirrord(write(tmp_path, {"feature": {}}), "X") is None
