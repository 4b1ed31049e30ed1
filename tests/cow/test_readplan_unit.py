"""The read planner's pure parts, without a server: clause layout, LIMIT/ORDER BY mapping, the
anti-join choice and the shapes of planned SQL (the differential test checks their results)."""

from __future__ import annotations

from branchdb.cow.readplan import plan_read
from branchdb.cow.readplan_estimate import prefer_left_join, probed_rows
from branchdb.cow.readplan_model import DirtyTable
from branchdb.cow.readplan_order import limits, outer_order
from branchdb.cow.readplan_text import add_condition, layout
from branchdb.sqlrewrite.refs import all_table_refs, parse, splice, tokenize


def _dt(name: str, cols: tuple[str, ...], *, tomb: int = 1000, rows: int = 1_000_000) -> DirtyTable:
    return DirtyTable(
        overlay=f"`ov`.`{name}`",
        base=f"`d`.`{name}`",
        tomb=f"`ov`.`t_{name}`",
        pk=("id",),
        columns=tuple((c, f"`_bdb_b`.`{c}`") for c in cols),
        identity=True,
        tomb_rows=tomb,
        base_rows=rows,
        unique_keys=(("id",), ("email",)),
        indexed=frozenset({"id", "email", "org_id", "user_id"}),
        overlay_indexes=(("id", "PRIMARY"), ("email", "email")),
    )


USERS = _dt("users", ("id", "org_id", "email", "name"))
ORDERS = _dt("orders", ("id", "user_id", "amount"), rows=2_000_000)


def plan(sql: str, **tables: DirtyTable) -> str | None:
    tables = tables or {"users": USERS, "orders": ORDERS}
    tree, tokens = parse(sql), tokenize(sql)
    pairs = [(r, f"(NAIVE {r.name})") for r in all_table_refs(tree, tokens) if r.name in tables]
    return plan_read(sql, tokens, tree, pairs, {r.start: tables[r.name] for r, _ in pairs})


def test_layout_finds_clauses() -> None:
    sql = "SELECT DISTINCT a, f(b, c) AS x FROM t WHERE (a = 1) ORDER BY a LIMIT 3;"
    lay = layout(tokenize(sql))
    assert lay is not None
    assert [sql[s:e] for s, e in lay.items] == ["a", "f(b, c) AS x"]
    assert lay.where is not None and sql[lay.where[0] : lay.where[1]] == "WHERE"
    assert sql[lay.where[1] : lay.where_end].strip() == "(a = 1)"
    assert sql[lay.tail : lay.end] == "ORDER BY a LIMIT 3"
    assert splice(sql[: lay.end], add_condition(lay, "z")).startswith(
        "SELECT DISTINCT a, f(b, c) AS x FROM t WHERE ( (a = 1) ) AND z ORDER BY"
    )


def test_layout_adds_a_where_and_refuses_unmodelled_clauses() -> None:
    sql = "SELECT a FROM t GROUP BY a"
    lay = layout(tokenize(sql))
    assert lay is not None
    assert splice(sql, add_condition(lay, "z")) == "SELECT a FROM t  WHERE z GROUP BY a"
    for bad in (
        "SELECT a FROM t UNION SELECT b FROM u",
        "SELECT a FROM t FOR UPDATE",
        "SELECT a FROM t LOCK IN SHARE MODE",
        "SELECT SQL_CALC_FOUND_ROWS a FROM t",
        "SELECT @n := @n + 1, a FROM t",
        "SELECT 1",
    ):
        assert layout(tokenize(bad)) is None, bad
    assert layout(tokenize("SELECT a FROM t WHERE a IN (SELECT b FROM u UNION SELECT 1)"))


def test_limits_add_offset_unless_a_marker() -> None:
    lim = limits(parse("SELECT a FROM t LIMIT 10 OFFSET 5"))  # type: ignore[arg-type]
    assert lim is not None and (lim.count, lim.offset, lim.per_half) == ("10", "5", "15")
    lim = limits(parse("SELECT a FROM t LIMIT 5, 10"))  # type: ignore[arg-type]
    assert lim is not None and (lim.count, lim.offset, lim.per_half) == ("10", "5", "15")
    marker = "7391046205000000001"
    lim = limits(parse(f"SELECT a FROM t LIMIT {marker}"))  # type: ignore[arg-type]
    assert lim is not None and lim.per_half == marker and lim.rows is None
    lim = limits(parse(f"SELECT a FROM t LIMIT {marker} OFFSET 7391046205000000002"))  # type: ignore[arg-type]
    assert lim is not None and lim.per_half is None


def test_outer_order_names_result_columns() -> None:
    def order(sql: str, star: tuple[str, ...] | None = None) -> str | None:
        return outer_order(parse(sql), star, single=True)  # type: ignore[arg-type]

    assert order("SELECT id, name FROM t ORDER BY name DESC, t.id") == "ORDER BY 2 DESC, 1"
    assert order("SELECT a + b AS s FROM t ORDER BY s") == "ORDER BY 1"
    assert order("SELECT a + b AS s FROM t ORDER BY a + b") == "ORDER BY 1"
    assert order("SELECT * FROM t ORDER BY t.id", ("id", "x")) == "ORDER BY `id`"
    assert order("SELECT a FROM t ORDER BY b") is None
    assert order("SELECT a FROM t ORDER BY 1") == "ORDER BY 1"
    assert order("SELECT a FROM t") == ""


def test_point_lookup_probes_both_halves_with_a_left_join() -> None:
    sql = plan("SELECT * FROM users WHERE id = 5")
    assert sql is not None
    assert sql.count("UNION ALL") == 1
    assert "LEFT JOIN (SELECT `id` AS `_bdb_k0` FROM `ov`.`t_users`)" in sql
    assert "`users`.*" in sql  # `*` would show the tombstone key
    assert "NOT EXISTS" not in sql


def test_full_scan_uses_not_exists() -> None:
    sql = plan("SELECT name FROM users WHERE name LIKE 'a%'")
    assert sql is not None and "NOT EXISTS (SELECT 1 FROM `ov`.`t_users`" in sql
    assert "LEFT JOIN" not in sql


def test_order_limit_pushed_into_each_half() -> None:
    sql = plan("SELECT id, name FROM users u ORDER BY u.id DESC LIMIT 10 OFFSET 30")
    assert sql is not None
    assert sql.count("ORDER BY u.id DESC LIMIT 40") == 2
    assert sql.endswith(") ORDER BY 1 DESC LIMIT 10 OFFSET 30")
    assert "FORCE INDEX FOR ORDER BY (`PRIMARY`)" in sql


def test_joins_distribute_over_each_dirty_table() -> None:
    sql = plan("SELECT u.id, o.amount FROM users u JOIN orders o ON o.user_id = u.id")
    assert sql is not None and sql.count("UNION ALL") == 3
    sql = plan("SELECT u.id, g.name FROM users u JOIN orgs g ON g.id = u.org_id")
    assert sql is not None and sql.count("UNION ALL") == 1 and "orgs g" in sql


def test_outer_join_null_side_is_not_planned() -> None:
    assert plan("SELECT g.id, u.id FROM orgs g LEFT JOIN users u ON u.org_id = g.id") is None
    assert plan("SELECT u.id FROM users u RIGHT JOIN orgs g ON g.id = u.org_id") is None
    assert plan("SELECT u.id FROM orgs g RIGHT JOIN orders o ON g.id = o.id, users u") is not None
    assert plan("SELECT u.id, o.id FROM users u LEFT JOIN orgs o ON o.id = u.org_id") is not None


def test_grouped_windowed_and_unmapped_orders_fall_back() -> None:
    assert plan("SELECT org_id, COUNT(*) FROM users GROUP BY org_id") is None
    assert plan("SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM users") is None
    assert plan("SELECT JSON_ARRAYAGG(id) FROM users") is None
    assert plan("SELECT DISTINCT name FROM users ORDER BY id LIMIT 3") is None
    assert plan("SELECT name AS n FROM users ORDER BY n + 1 LIMIT 3") is None
    assert plan("WITH x AS (SELECT 1) SELECT * FROM users") is None


def test_distinct_unions_distinctly() -> None:
    sql = plan("SELECT DISTINCT name FROM users")
    assert sql is not None and ") UNION (" in sql and "UNION ALL" not in sql


def test_count_sum_avg_by_subtraction() -> None:
    sql = plan("SELECT COUNT(*), SUM(amount) AS s, AVG(amount) FROM orders WHERE user_id = 3")
    assert sql is not None
    assert "CAST(SUM(`_bdb_c0`) AS SIGNED) AS `COUNT(*)`" in sql
    assert "AS `s`" in sql and "AS `AVG(amount)`" in sql
    assert sql.count("UNION ALL") == 2 and "-COUNT(*)" in sql
    assert "JOIN orders AS `orders`" in sql  # tombstoned base rows, subtracted


def test_min_max_use_the_anti_joined_halves() -> None:
    sql = plan("SELECT MIN(amount), COUNT(*) FROM orders")
    assert sql is not None and sql.count("UNION ALL") == 1 and "NOT EXISTS" in sql
    assert plan("SELECT COUNT(DISTINCT user_id) FROM orders") is None


def test_mapped_columns_and_filters_read_a_derived_base() -> None:
    mapped = DirtyTable(
        overlay="`ov`.`users`",
        base="`d`.`users`",
        tomb="`ov`.`t_users`",
        pk=("id",),
        columns=(("id", "`_bdb_b`.`id`"), ("nick", "`_bdb_b`.`name`"), ("extra", "0")),
        identity=False,
        filter="org_id < 5",
        tomb_rows=10,
        base_rows=1000,
    )
    sql = plan("SELECT id, nick FROM users WHERE id = 3", users=mapped)
    assert sql is not None
    assert (
        "(SELECT `_bdb_b`.`id` AS `id`, `_bdb_b`.`name` AS `nick`, 0 AS `extra` FROM `d`.`users`"
        " AS `_bdb_b` WHERE (org_id < 5)) AS `users`" in sql
    )


def test_anti_join_rule() -> None:
    tree = parse("SELECT * FROM users WHERE email = 'x'")
    assert probed_rows(tree, "users", USERS, alone=True, limit_rows=None) == 1  # type: ignore[arg-type]
    tree = parse("SELECT * FROM users WHERE name = 'x'")
    rows = probed_rows(tree, "users", USERS, alone=True, limit_rows=None)  # type: ignore[arg-type]
    assert rows == 1_000_000 and not prefer_left_join(rows, USERS)
    tree = parse("SELECT * FROM users ORDER BY id LIMIT 10")
    rows = probed_rows(tree, "users", USERS, alone=True, limit_rows=10)  # type: ignore[arg-type]
    assert rows == 1010 and prefer_left_join(rows, USERS)


def test_in_and_exists_subqueries_become_two_membership_tests() -> None:
    sql = plan("SELECT g.id FROM orgs g WHERE g.id NOT IN (SELECT org_id FROM users)")
    assert sql is not None and sql.startswith("SELECT g.id FROM orgs g WHERE NOT (g.id IN (")
    assert ") OR g.id IN (SELECT org_id FROM users AS `users` WHERE NOT EXISTS" in sql
    sql = plan("SELECT g.id FROM orgs g WHERE EXISTS (SELECT 1 FROM users u WHERE u.org_id = g.id)")
    assert sql is not None and "(EXISTS (SELECT 1 FROM `ov`.`users` AS `u`" in sql
    assert "OR EXISTS (SELECT 1 FROM (users AS `u` LEFT JOIN" in sql  # correlated: probes
    # A grouped subquery keeps the naive form.
    assert plan("SELECT id FROM orgs WHERE id IN (SELECT MAX(org_id) FROM users)") is None


def test_sort_keys_outside_the_select_list_are_carried_hidden() -> None:
    sql = plan("SELECT name FROM users u ORDER BY u.id DESC LIMIT 3")
    assert sql is not None
    assert sql.startswith("SELECT `name` FROM ((SELECT name, u.id AS `_bdb_o0` FROM")
    assert sql.endswith(") AS `_bdb_u` ORDER BY `_bdb_o0` DESC LIMIT 3")
    sql = plan("SELECT * FROM users ORDER BY LOWER(name), id LIMIT 3")
    assert sql is not None and sql.startswith("SELECT `id`, `org_id`, `email`, `name` FROM (")
    assert "LOWER(name) AS `_bdb_o0`" in sql and "ORDER BY `_bdb_o0`, `id` LIMIT 3" in sql
    assert plan("SELECT id, id FROM users ORDER BY name LIMIT 3") is None  # duplicate names
