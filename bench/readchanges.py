"""The changes a benchmark branch receives, as SQL statements run on the branch and the copy.

Why statements: the same text goes through the proxy on the branch and straight to the real
copy, so both see identical changes (about 50 % UPDATE, 30 % DELETE, 20 % INSERT, spread over
the key range). Inserted rows carry explicit ids above the base's, since a branch's own
auto-increment values are chosen not to collide with the base and so differ from a copy's.

A few changed ids are pinned where the benchmark queries look (the first rows by id, the range
and keyset windows, the point lookups, the join's orgs), so results differ between base and
branch instead of rarely touching a changed row. Levels are cumulative: the second level's
changes are the first level's plus rows not touched before.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from branchdb.bench.readdata import Scale

BATCH = 200


@dataclass(frozen=True)
class Focus:
    """Where the queries look; the change plan pins changes there."""

    scale: Scale

    @property
    def point_id(self) -> int:
        return self.scale.users // 4 + 7

    @property
    def range_start(self) -> int:
        return self.scale.users // 2

    @property
    def keyset_after(self) -> int:
        return self.scale.users // 3

    @property
    def join_orgs(self) -> tuple[int, int]:
        lo = self.scale.orgs // 2
        return lo, lo + 1


@dataclass
class TableChanges:
    """One table's changes for one level: ids to update and delete, rows to insert."""

    update: list[int] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)
    insert: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.update) + len(self.delete) + len(self.insert)


@dataclass
class Level:
    """Changes added at one level (on top of the previous ones); `total` is the running sum."""

    total: int
    users: TableChanges
    orders: TableChanges


def _split(n: int) -> tuple[int, int, int]:
    upd, dele = n // 2, (n * 3) // 10
    return upd, dele, n - upd - dele


def _dedupe(ids: Iterable[int], exclude: set[int]) -> list[int]:
    out: list[int] = []
    for i in ids:
        if i not in exclude:
            out.append(i)
            exclude.add(i)
    return out


def _pick(
    pinned: list[int], count: int, universe: int, used: set[int], rng: random.Random
) -> list[int]:
    chosen = _dedupe(pinned[:count], used)
    while len(chosen) < count:
        i = rng.randint(1, universe)
        if i not in used:
            used.add(i)
            chosen.append(i)
    return chosen


def plan(cur: Any, schema: str, focus: Focus, totals: list[int], seed: int = 7) -> list[Level]:
    """Cumulative change levels (`totals` changed rows per table); reads the base for pins."""
    scale = focus.scale
    n = scale.users
    lo, hi = focus.join_orgs
    cur.execute(
        f"SELECT id FROM `{schema}`.users WHERE org_id BETWEEN %s AND %s ORDER BY id LIMIT 4",
        (lo, hi),
    )
    org_users = [int(r[0]) for r in cur.fetchall()]
    cur.execute(
        f"SELECT o.id FROM `{schema}`.orders o JOIN `{schema}`.users u ON u.id = o.user_id"
        " WHERE u.org_id BETWEEN %s AND %s ORDER BY o.id LIMIT 4",
        (lo, hi),
    )
    org_orders = [int(r[0]) for r in cur.fetchall()]
    cur.execute(
        f"SELECT id FROM `{schema}`.orders WHERE status = 'paid' AND amount >= 995"
        " ORDER BY id LIMIT 2"
    )
    paid_orders = [int(r[0]) for r in cur.fetchall()]
    pins_user_upd = [focus.point_id, 3, 104, focus.keyset_after + 2, focus.range_start + 10]
    pins_user_upd += [focus.range_start + 500, *org_users[:2]]
    pins_user_del = [5, 107, focus.keyset_after + 5, focus.range_start + 20, *org_users[2:]]
    pins_order_upd = [1, org_orders[0]] if org_orders else [1]
    pins_order_del = [*org_orders[1:], *paid_orders]
    rng = random.Random(seed)
    used_users: set[int] = set()
    used_orders: set[int] = set()
    next_user, next_order = n + 1, scale.orders + 1
    levels: list[Level] = []
    done = 0
    for total in totals:
        upd, dele, ins = _split(total - done)
        users = TableChanges(
            update=_pick(pins_user_upd, upd, n, used_users, rng),
            delete=_pick(pins_user_del, dele, n, used_users, rng),
        )
        orders = TableChanges(
            update=_pick(pins_order_upd, upd, scale.orders, used_orders, rng),
            delete=_pick(pins_order_del, dele, scale.orders, used_orders, rng),
        )
        for k in range(ins):
            uid = next_user + k
            org = (lo, hi)[k % 2] if k % 3 == 0 else 1 + (uid * 13) % scale.orgs
            users.insert.append(
                (uid, org, f"new{uid}@example.com", f"new user {uid}", (uid * 53) % 1000)
            )
            oid = next_order + k
            buyer = uid if k % 4 == 0 else rng.randint(1, n)
            status = ("new", "paid", "shipped", "cancelled")[k % 4]
            orders.insert.append((oid, buyer, f"{995 + k % 5}.{k % 100:02d}", status))
        next_user += ins
        next_order += ins
        pins_user_upd, pins_user_del, pins_order_upd, pins_order_del = [], [], [], []
        levels.append(Level(total=total, users=users, orders=orders))
        done = total
    return levels


def _batches(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def users_sql(ch: TableChanges, orgs: int) -> list[str]:
    out = []
    for ids in _batches(ch.update):
        out.append(
            "UPDATE users SET score = score + 1000, name = CONCAT(name, ' (edited)'),"
            f" org_id = 1 + (org_id + id) % {orgs} WHERE id IN ({', '.join(map(str, ids))})"
        )
    for ids in _batches(ch.delete):
        out.append(f"DELETE FROM users WHERE id IN ({', '.join(map(str, ids))})")
    for rows in _batches(ch.insert):
        values = ", ".join(
            f"({uid}, {org}, '{email}', '{name}', {score}, '2025-06-01 12:00:00')"
            for uid, org, email, name, score in rows
        )
        out.append(
            f"INSERT INTO users (id, org_id, email, name, score, created_at) VALUES {values}"
        )
    return out


def orders_sql(ch: TableChanges) -> list[str]:
    out = []
    for ids in _batches(ch.update):
        out.append(
            "UPDATE orders SET amount = amount + 1.50, status = 'paid'"
            f" WHERE id IN ({', '.join(map(str, ids))})"
        )
    for ids in _batches(ch.delete):
        out.append(f"DELETE FROM orders WHERE id IN ({', '.join(map(str, ids))})")
    for rows in _batches(ch.insert):
        values = ", ".join(
            f"({oid}, {uid}, {amount}, '{status}', '2025-06-01 12:00:00')"
            for oid, uid, amount, status in rows
        )
        out.append(f"INSERT INTO orders (id, user_id, amount, status, created_at) VALUES {values}")
    return out


def apply(cur: Any, statements: list[str]) -> None:
    for sql in statements:
        cur.execute(sql)
