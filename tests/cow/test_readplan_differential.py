"""The read planner against a real copy: users/orgs/orders with updates, deletes and inserts on
the branch (users and orders changed, orgs clean) and the same changes on a copy; every query
shape must give the copy's result (as a list when its ORDER BY is total, else as a multiset),
and the planned shapes must actually be planned. A second test checks with EXPLAIN on 50k rows
that point and ORDER BY … LIMIT plans use indexes (no full scan of any table)."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cow_harness import Reply, World, connect, direct

SCHEMA_SQL = (
    "CREATE TABLE orgs (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, region CHAR(2) NULL)",
    "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, org_id INT NULL,"
    " email VARCHAR(40) NOT NULL, name VARCHAR(20) NOT NULL, score INT NULL,"
    " UNIQUE KEY email (email), KEY org_id (org_id), KEY score (score), KEY name (name))",
    "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL,"
    " amount DECIMAL(10,2) NOT NULL, status VARCHAR(8) NOT NULL, KEY user_id (user_id),"
    " KEY status (status))",
)
TABLES = ("orgs", "users", "orders")


def seed_sql(users: int, orders: int) -> list[str]:
    orgs = [
        f"({i}, 'org{i % 7}', {'NULL' if i % 5 == 0 else repr('r' + str(i % 3))})"
        for i in range(1, 41)
    ]
    out = ["INSERT INTO orgs VALUES " + ", ".join(orgs)]
    rows = []
    for i in range(1, users + 1):
        org = "NULL" if i % 11 == 0 else str(1 + i % 40)
        score = "NULL" if i % 13 == 0 else str(i * 7 % 100)
        rows.append(f"({i}, {org}, 'u{i}@x', 'n{i % 50}', {score})")
        if len(rows) == 1000:
            out.append("INSERT INTO users VALUES " + ", ".join(rows))
            rows = []
    if rows:
        out.append("INSERT INTO users VALUES " + ", ".join(rows))
    rows = []
    for i in range(1, orders + 1):
        status = ("new", "paid", "sent")[i % 3]
        rows.append(f"({i}, {1 + i * 31 % users}, {i % 97}.{i % 100:02d}, '{status}')")
        if len(rows) == 1000:
            out.append("INSERT INTO orders VALUES " + ", ".join(rows))
            rows = []
    if rows:
        out.append("INSERT INTO orders VALUES " + ", ".join(rows))
    return out


CHANGES = (
    "UPDATE users SET name = CONCAT(name, '!'), score = score + 1 WHERE id % 10 = 3",
    "UPDATE users SET org_id = NULL WHERE id % 97 = 5",
    "UPDATE users SET score = 50 WHERE id BETWEEN 100 AND 120",
    "DELETE FROM users WHERE id % 10 = 7",
    "INSERT INTO users (id, org_id, email, name, score) VALUES (60001, 3, 'new1@x', 'n1', 50),"
    " (60002, NULL, 'new2@x', 'n1', NULL), (60003, 4, 'new3@x', 'zz', 99), (17, 9, 'back@x',"
    " 'n17', 50)",
    "UPDATE users SET id = id + 100000 WHERE id BETWEEN 2000 AND 2005",
    "UPDATE orders SET amount = amount * 2, status = 'paid' WHERE id % 5 = 1",
    "DELETE FROM orders WHERE user_id % 13 = 0",
    "INSERT INTO orders (user_id, amount, status) VALUES (60001, 10.50, 'new'), (60001, 3.25, 'x'),"
    " (3, 0.00, 'sent'), (17, 7.77, 'paid')",
)

#: (query, total order?, planned?) — `{db}` is the base schema's name.
QUERIES: tuple[tuple[str, bool, bool], ...] = (
    ("SELECT * FROM users WHERE id = 13", True, True),
    ("SELECT * FROM users WHERE id = 17", True, True),
    ("SELECT * FROM users WHERE id IN (1, 3, 7, 60001, 2003, 102003)", False, True),
    ("SELECT id, name FROM users WHERE email = 'u23@x'", True, True),
    ("SELECT u.id, u.score FROM users AS u WHERE u.score BETWEEN 40 AND 60", False, True),
    ("SELECT {db}.users.id, name FROM {db}.users WHERE {db}.users.org_id = 4", False, True),
    ("SELECT * FROM users ORDER BY id LIMIT 10", True, True),
    ("SELECT * FROM users ORDER BY id DESC LIMIT 5 OFFSET 3", True, True),
    ("SELECT id, name FROM users ORDER BY id LIMIT 10 OFFSET 100000", True, True),
    ("SELECT id, score FROM users ORDER BY score, id LIMIT 25", True, True),
    ("SELECT id FROM users WHERE id > 2990 ORDER BY id LIMIT 20", True, True),
    ("SELECT id, score * 2 AS s2 FROM users ORDER BY s2 DESC, id LIMIT 7", True, True),
    ("SELECT id, name FROM users ORDER BY {db}.users.id LIMIT 4", True, True),
    ("SELECT id FROM users WHERE score = 50 ORDER BY id", True, True),
    ("SELECT id, name, score FROM users ORDER BY score DESC, id LIMIT 12", True, True),
    ("SELECT name FROM users WHERE score < 3 ORDER BY name, id", True, True),
    ("SELECT name FROM users ORDER BY score DESC, id LIMIT 7 OFFSET 3", True, True),
    ("SELECT * FROM users ORDER BY LOWER(name) DESC, id LIMIT 4", True, True),
    (
        "SELECT u.name, o.amount FROM users u JOIN orders o ON o.user_id = u.id"
        " ORDER BY o.id DESC LIMIT 5",
        True,
        True,
    ),
    ("SELECT COUNT(*) FROM users", True, True),
    (
        "SELECT COUNT(*), COUNT(score), SUM(score), AVG(score) FROM users WHERE org_id < 10",
        True,
        True,
    ),
    ("SELECT COUNT(*) AS n, SUM(score) AS s FROM users WHERE id > 1000000", True, True),
    ("SELECT MIN(score), MAX(name), COUNT(*) FROM users WHERE org_id IS NULL", True, True),
    ("SELECT SUM(amount), AVG(amount) FROM orders WHERE status = 'paid'", True, True),
    ("SELECT DISTINCT name FROM users WHERE score > 90", False, True),
    ("SELECT DISTINCT org_id FROM users ORDER BY org_id LIMIT 5", True, True),
    (
        "SELECT u.id, o.name FROM users u JOIN orgs o ON o.id = u.org_id WHERE o.region = 'r1'"
        " AND u.score < 20",
        False,
        True,
    ),
    (
        "SELECT u.id, o.id, o.amount FROM users u JOIN orders o ON o.user_id = u.id"
        " WHERE u.id < 300",
        False,
        True,
    ),
    (
        "SELECT u.name, o.amount, g.name FROM users u, orders o, orgs g WHERE o.user_id = u.id"
        " AND g.id = u.org_id AND g.id = 3",
        False,
        True,
    ),
    (
        "SELECT u.id, o.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.id < 50",
        False,
        True,
    ),
    (
        "SELECT g.id, u.id FROM orgs g LEFT JOIN users u ON u.org_id = g.id WHERE g.id < 5",
        False,
        False,
    ),
    ("SELECT * FROM users u JOIN orgs g ON g.id = u.org_id WHERE u.id = 23", True, True),
    ("SELECT * FROM users JOIN orgs USING (id) WHERE users.id < 10", False, True),
    (
        "SELECT id FROM users WHERE id IN (SELECT user_id FROM orders WHERE amount > 90)",
        False,
        True,
    ),
    (
        "SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND"
        " o.status = 'x')",
        False,
        True,
    ),
    (
        "SELECT id, (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id) AS c FROM users u"
        " WHERE u.id BETWEEN 1 AND 30",
        False,
        True,
    ),
    (
        "SELECT id, (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id) FROM users u"
        " WHERE u.id BETWEEN 1 AND 40",
        False,
        True,
    ),
    (
        "SELECT o.id, (SELECT score FROM users x WHERE x.id = o.user_id) FROM orders o"
        " WHERE o.user_id IN (60001, 3, 13, 17, 7)",
        False,
        True,
    ),
    (
        "SELECT g.id, (SELECT MAX(score) FROM users u WHERE u.org_id = g.id) AS m,"
        " (SELECT MIN(name) FROM users u WHERE u.org_id = g.id) AS mn FROM orgs g",
        False,
        True,
    ),
    (
        "SELECT id FROM orgs g WHERE (SELECT COUNT(*) FROM users u WHERE u.org_id = g.id) > 70",
        False,
        True,
    ),
    ("SELECT id FROM orgs WHERE id NOT IN (SELECT org_id FROM users)", False, True),
    (
        "SELECT id FROM orgs WHERE id NOT IN (SELECT org_id FROM users WHERE org_id IS NOT NULL"
        " AND score > 90)",
        False,
        True,
    ),
    (
        "SELECT g.id FROM orgs g WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.org_id = g.id"
        " AND u.score > 95)",
        False,
        True,
    ),
    ("SELECT id FROM users WHERE org_id IN (SELECT id FROM orgs WHERE region = 'r1')", False, True),
    (
        "SELECT o.id FROM orders o WHERE o.user_id IN (SELECT id FROM users WHERE score = 50)",
        False,
        True,
    ),
    (
        "SELECT COUNT(*) FROM orders o WHERE o.user_id NOT IN (SELECT id FROM {db}.users WHERE"
        " {db}.users.score < 10)",
        True,
        True,
    ),
    (
        "SELECT org_id, COUNT(*), SUM(score) FROM users GROUP BY org_id HAVING COUNT(*) > 70",
        False,
        False,
    ),
    ("SELECT name FROM users WHERE name LIKE 'n1%' ORDER BY name, id LIMIT 3", True, True),
    ("SELECT id, name FROM users WHERE name LIKE 'n1%' ORDER BY name, id LIMIT 3", True, True),
    ("SELECT id FROM users WHERE id > 2000 ORDER BY id LIMIT 3", True, True),
    ("SELECT COUNT(*) FROM users WHERE id = -1", True, True),
    ("SELECT MAX(id), MIN(id) FROM users WHERE id = -1", True, True),
    ("SELECT id FROM users WHERE id = 1 FOR UPDATE", True, True),
)


def _same(want: Reply, got: Reply, total: bool) -> bool:
    if want[0] != "rows" or got[0] != "rows" or total:
        return want == got
    return want[1] == got[1] and sorted(map(repr, want[2])) == sorted(map(repr, got[2]))


@asynccontextmanager
async def _world(
    upstream: Any, base: str, users: int, orders: int
) -> AsyncIterator[tuple[Any, Any]]:
    """A real copy and a branch session of `base`, both with CHANGES;
    the copy is dropped and the world closed afterwards, also when setting up fails."""
    world = await World.open(upstream)
    copy = base + "_copy"
    try:
        admin = world.admin
        await admin.query(f"USE `{base}`")
        for sql in SCHEMA_SQL + tuple(seed_sql(users, orders)):
            await admin.query(sql)
        await admin.query("ANALYZE TABLE orgs, users, orders")
        await admin.query(f"CREATE DATABASE `{copy}`")
        for t in TABLES:
            await admin.query(f"CREATE TABLE `{copy}`.{t} LIKE `{base}`.{t}")
            await admin.query(f"INSERT INTO `{copy}`.{t} SELECT * FROM `{base}`.{t}")
        real = await connect(upstream, copy)
        world.conns.append(real)
        sess = await world.branch(base)
        for sql in CHANGES:
            assert (await direct(real, sql))[0] == "ok", sql
            assert (await sess.run(sql))[0] == "ok", sql
        yield real, sess
    finally:
        await world.admin.query(f"DROP DATABASE IF EXISTS `{copy}`")
        await world.close()


async def differential(upstream: Any, base: str) -> list[str]:
    async with _world(upstream, base, 3000, 4000) as (real, sess):
        problems = []
        for template, total, planned in QUERIES:
            sql = template.format(db=base)
            want = await direct(real, sql.replace(base, base + "_copy"))
            sess.relayed.clear()
            got = await asyncio.wait_for(sess.run(sql), 60)
            assert want[0] == "rows", (sql, want)
            if not _same(want, got, total):
                problems.append(f"{sql}\n  copy:   {want}\n  branch: {got}\n  {sess.relayed}")
            relayed = sess.relayed[-1] if sess.relayed else ""
            was_planned = "`_bdb_t" in relayed  # the planner's tombstone aliases
            if planned != was_planned:
                problems.append(f"{sql}: planned={was_planned}, expected {planned}: {relayed}")
    return problems


def test_planned_reads_equal_a_real_copy(schema: str, upstream: Any) -> None:
    problems = asyncio.run(differential(upstream, schema))
    assert not problems, "\n".join(problems)


EXPLAINED = (
    "SELECT * FROM users WHERE id = 4242",
    "SELECT id, name FROM users WHERE email = 'u4242@x'",
    "SELECT * FROM users WHERE id IN (5, 6, 7)",
    "SELECT * FROM users ORDER BY id LIMIT 10",
    "SELECT * FROM users ORDER BY id LIMIT 10 OFFSET 30",
    "SELECT id FROM users WHERE id > 40000 ORDER BY id LIMIT 10",
    "SELECT id, score FROM users ORDER BY score DESC LIMIT 5",
)


async def explained(upstream: Any, base: str) -> list[str]:
    async with _world(upstream, base, 50_000, 10) as (_real, sess):
        problems = []
        for sql in EXPLAINED:
            sess.relayed.clear()
            await sess.run(sql)
            assert sess.relayed and sess.relayed[-1].startswith("(SELECT"), (sql, sess.relayed)
            res = await sess.client.query("EXPLAIN " + sess.relayed[-1])
            names = [c.name for c in res.columns]
            for row in res.rows:
                rec = dict(
                    zip(names, (None if v is None else v.decode() for v in row), strict=True)
                )
                table = rec.get("table") or ""
                if not table.startswith("<") and rec.get("type") == "ALL":
                    problems.append(f"{sql}: full scan of {table}: {rec}")
    return problems


def test_planned_reads_use_indexes(schema: str, upstream: Any) -> None:
    problems = asyncio.run(explained(upstream, schema))
    assert not problems, "\n".join(problems)


MAPPED_CHANGES = (
    "ALTER TABLE users ADD COLUMN note VARCHAR(10) NOT NULL DEFAULT 'x'",
    "ALTER TABLE users RENAME COLUMN name TO nick",
    "UPDATE users SET note = 'y' WHERE id % 7 = 2",
)
MAPPED_QUERIES: tuple[tuple[str, bool], ...] = (
    ("SELECT * FROM users WHERE id = 13", True),
    ("SELECT * FROM users WHERE email = 'u100@x'", True),
    ("SELECT id, nick, note FROM users ORDER BY id LIMIT 10 OFFSET 5", True),
    ("SELECT nick FROM users WHERE nick LIKE 'n1%' ORDER BY id LIMIT 5", True),
    ("SELECT id, note FROM users WHERE score BETWEEN 20 AND 40", False),
    ("SELECT COUNT(*), SUM(score), AVG(score) FROM users", True),
    ("SELECT MIN(nick), MAX(score), COUNT(note) FROM users WHERE org_id < 10", True),
    (
        "SELECT u.id, o.amount FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id < 200",
        False,
    ),
    (
        "SELECT id FROM orgs WHERE id NOT IN (SELECT org_id FROM users WHERE score > 90"
        " AND org_id IS NOT NULL)",
        False,
    ),
    ("SELECT note, COUNT(*) FROM users GROUP BY note", False),
)


async def mapped_differential(upstream: Any, base: str) -> list[str]:
    """A filtered branch whose `users` has an added and a renamed column: base rows are read
    through a derived table (filter and column mapping) in every planned shape."""
    world = await World.open(upstream)
    admin = world.admin
    copy = base + "_copy"
    problems = []
    try:
        await admin.query(f"USE `{base}`")
        for sql in SCHEMA_SQL + tuple(seed_sql(3000, 4000)):
            await admin.query(sql)
        await admin.query(f"CREATE DATABASE `{copy}`")
        for t in TABLES:
            await admin.query(f"CREATE TABLE `{copy}`.{t} LIKE `{base}`.{t}")
            await admin.query(f"INSERT INTO `{copy}`.{t} SELECT * FROM `{base}`.{t}")
        shown = "score IS NULL OR score >= 30"
        await admin.query(f"DELETE FROM `{copy}`.users WHERE NOT ({shown})")
        real = await connect(upstream, copy)
        world.conns.append(real)
        sess = await world.branch(base, "filtered", filters={"users": shown})
        for sql in CHANGES + MAPPED_CHANGES:
            want, got = await direct(real, sql), await sess.run(sql)
            assert want[0] == got[0] == "ok", (sql, want, got)
        state = sess.branch.tables[(base, "users")].state
        assert state == "cow", state  # mapped, not materialized: the derived-table path
        for sql, total in MAPPED_QUERIES:
            want = await direct(real, sql)
            sess.relayed.clear()
            got = await asyncio.wait_for(sess.run(sql), 60)
            assert want[0] == "rows", (sql, want)
            if not _same(want, got, total):
                problems.append(f"{sql}\n  copy:   {want}\n  branch: {got}\n  {sess.relayed}")
            relayed = sess.relayed[-1] if sess.relayed else ""
            if "GROUP BY" not in sql and "`_bdb_t" not in relayed:
                problems.append(f"{sql}: not planned: {relayed}")
    finally:
        await admin.query(f"DROP DATABASE IF EXISTS `{copy}`")
        await world.close()
    return problems


def test_mapped_and_filtered_reads_equal_a_real_copy(schema: str, upstream: Any) -> None:
    problems = asyncio.run(mapped_differential(upstream, schema))
    assert not problems, "\n".join(problems)


class QueryGen:
    """Random query blocks over users (changed), orders (changed) and orgs (clean): predicates,
    sort orders, LIMIT/OFFSET, joins, aggregates and subqueries combined at random."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def pred(self) -> str:
        r = self.r
        return r.choice(
            [
                f"u.id = {r.randint(1, 3100)}",
                f"u.id IN ({r.randint(1, 300)}, {r.randint(1, 3000)}, 60001, 17)",
                f"u.score > {r.randint(0, 99)}",
                f"u.score BETWEEN {r.randint(0, 50)} AND {r.randint(40, 100)}",
                "u.org_id IS NULL",
                f"u.org_id = {r.randint(1, 40)}",
                f"u.name LIKE 'n{r.randint(1, 9)}%'",
                f"u.email = 'u{r.randint(1, 3000)}@x'",
                f"u.id BETWEEN {r.randint(1, 2900)} AND {r.randint(1, 3000)}",
                "u.org_id IN (SELECT id FROM orgs WHERE region = 'r1')",
                "EXISTS (SELECT 1 FROM orders o2 WHERE o2.user_id = u.id AND o2.amount >"
                f" {r.randint(0, 95)})",
                "u.id NOT IN (SELECT user_id FROM orders WHERE status = 'x')",
                f"u.id IN (SELECT user_id FROM orders WHERE amount > {r.randint(50, 96)})",
                "NOT EXISTS (SELECT 1 FROM orders o2 WHERE o2.user_id = u.id)",
                f"(SELECT COUNT(*) FROM orders o2 WHERE o2.user_id = u.id) > {r.randint(0, 2)}",
                "u.id < (SELECT MAX(o2.user_id) FROM orders o2 WHERE o2.amount > 95)",
            ]
        )

    def where(self) -> str:
        n = self.r.choice([0, 1, 1, 2, 3])
        if n == 0:
            return ""
        glue = self.r.choice([" AND ", " AND ", " OR "])
        return " WHERE " + glue.join(self.pred() for _ in range(n))

    def query(self) -> tuple[str, bool]:
        r = self.r
        kind = r.choice(["single", "single", "single", "agg", "join", "join"])
        if kind == "agg":
            aggs = r.sample(
                [
                    "COUNT(*)",
                    "COUNT(u.score)",
                    "SUM(u.score)",
                    "AVG(u.score)",
                    "MIN(u.name)",
                    "MAX(u.id)",
                ],
                r.randint(1, 3),
            )
            return f"SELECT {', '.join(aggs)} FROM users u{self.where()}", True
        if kind == "join":
            frm, cols, key = r.choice(
                [
                    (
                        "users u JOIN orders o ON o.user_id = u.id",
                        "u.id, o.id AS oid, o.amount",
                        "u.id, oid",
                    ),
                    ("users u JOIN orgs g ON g.id = u.org_id", "u.id, g.name AS gname", "u.id"),
                    (
                        "users u LEFT JOIN orders o ON o.user_id = u.id",
                        "u.id, o.id AS oid",
                        "u.id, oid",
                    ),
                    ("orders o JOIN users u ON u.id = o.user_id", "o.id AS oid, u.name", "oid"),
                ]
            )
        else:
            frm = "users u"
            cols, key = r.choice(
                [
                    ("*", "u.id"),
                    ("u.id, u.name", "u.id"),
                    ("u.name, u.score", "u.score, u.id"),
                    ("u.id, u.score * 2 AS s2", "s2 DESC, u.id"),
                    (
                        "u.id, (SELECT MAX(o2.amount) FROM orders o2 WHERE o2.user_id = u.id)"
                        " AS mx",
                        "u.id",
                    ),
                ]
            )
        sql = f"SELECT {cols} FROM {frm}{self.where()}"
        if r.random() < 0.6:
            sql += f" ORDER BY {key}"
            if r.random() < 0.7:
                sql += f" LIMIT {r.randint(1, 30)}"
                if r.random() < 0.5:
                    sql += f" OFFSET {r.choice([0, 3, 50, 5000])}"
            return sql, True
        return sql, False


async def random_differential(upstream: Any, base: str, seed: int, count: int) -> list[str]:
    async with _world(upstream, base, 3000, 4000) as (real, sess):
        gen = QueryGen(random.Random(seed))
        problems = []
        planned = 0
        for _ in range(count):
            sql, total = gen.query()
            want = await direct(real, sql)
            sess.relayed.clear()
            got = await asyncio.wait_for(sess.run(sql), 60)
            planned += any("`_bdb_t" in r for r in sess.relayed)
            if not _same(want, got, total):
                problems.append(f"{sql}\n  copy:   {want}\n  branch: {got}\n  {sess.relayed}")
                if len(problems) >= 5:
                    break
        if planned < count * 0.8:
            problems.append(f"only {planned} of {count} queries were planned")
    return problems


def test_random_queries_equal_a_real_copy(schema: str, upstream: Any) -> None:
    seed = int(os.environ.get("BRANCHDB_READPLAN_SEED", "0")) or random.randrange(1, 10**9)
    count = int(os.environ.get("BRANCHDB_READPLAN_QUERIES", "300"))
    problems = asyncio.run(random_differential(upstream, schema, seed, count))
    assert not problems, f"seed {seed}:\n" + "\n".join(problems)
