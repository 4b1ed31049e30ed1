"""The query shapes the read benchmark times: the sixteen of DESIGN.md §5's research.

Each is a template over `{users}`, `{orders}` and `{orgs}`: on the base and on a branch they are
the plain table names (the connection's database), and for the real copy they name the copy's
tables or, for a table the branch leaves clean, the base's. `two_dirty` queries run on the
branch whose `orders` changed too; the others on the branch where only `users` changed.

Parameters are fixed per dataset size (derived from `Focus`, where the change plan pins
changed rows), so every result is non-trivial and the same in every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from branchdb.bench.readchanges import Focus


@dataclass(frozen=True)
class Query:
    name: str
    template: str
    #: ORDER BY makes the row order total: compare results as lists, not multisets.
    ordered: bool = False
    #: Run on the branch where `orders` is changed as well as `users`.
    two_dirty: bool = False

    def sql(self, users: str = "users", orders: str = "orders", orgs: str = "orgs") -> str:
        return self.template.format(users=users, orders=orders, orgs=orgs)


def queries(focus: Focus) -> list[Query]:
    lo, hi = focus.join_orgs
    start, after, point = focus.range_start, focus.keyset_after, focus.point_id
    join2 = (
        "SELECT u.id, u.name, o.id, o.amount FROM {users} u JOIN {orders} o ON o.user_id = u.id"
        f" WHERE u.org_id BETWEEN {lo} AND {hi}"
    )
    join3 = (
        "SELECT g.name, u.email, o.id, o.amount FROM {orgs} g JOIN {users} u ON u.org_id = g.id"
        " JOIN {orders} o ON o.user_id = u.id WHERE g.plan = 'enterprise' AND o.amount >= 900"
    )
    in_sub = (
        "SELECT id, name FROM {users} WHERE id IN"
        " (SELECT user_id FROM {orders} WHERE status = 'paid' AND amount >= 995)"
    )
    exists = (
        "SELECT u.id, u.score FROM {users} u WHERE u.score >= 990 AND EXISTS"
        " (SELECT 1 FROM {orders} o WHERE o.user_id = u.id AND o.status = 'cancelled')"
    )
    return [
        Query("point by PK", f"SELECT * FROM {{users}} WHERE id = {point}", ordered=True),
        Query(
            "point by email",
            f"SELECT * FROM {{users}} WHERE email = 'user{point}@example.com'",
            ordered=True,
        ),
        Query("range on PK", f"SELECT * FROM {{users}} WHERE id BETWEEN {start} AND {start + 999}"),
        Query("join 2 tables", join2),
        Query("join 2 tables, 2 dirty", join2, two_dirty=True),
        Query("join 3 tables", join3),
        Query("join 3 tables, 2 dirty", join3, two_dirty=True),
        Query("ORDER BY id LIMIT 10", "SELECT * FROM {users} ORDER BY id LIMIT 10", ordered=True),
        Query(
            "LIMIT 10 OFFSET 100",
            "SELECT * FROM {users} ORDER BY id LIMIT 10 OFFSET 100",
            ordered=True,
        ),
        Query("COUNT(*)", "SELECT COUNT(*) FROM {users}", ordered=True),
        Query("GROUP BY org SUM", "SELECT org_id, SUM(score) FROM {users} GROUP BY org_id"),
        Query("IN subquery", in_sub),
        Query("IN subquery, 2 dirty", in_sub, two_dirty=True),
        Query("EXISTS", exists),
        Query("EXISTS, 2 dirty", exists, two_dirty=True),
        Query(
            "keyset page",
            f"SELECT * FROM {{users}} WHERE id > {after} ORDER BY id LIMIT 20",
            ordered=True,
        ),
    ]
