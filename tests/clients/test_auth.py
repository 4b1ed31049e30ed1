"""Authentication through the proxy: the upstream decides, the proxy relays every exchange.

Each attempt is made direct and through the proxy and the outcomes must be identical: same
CURRENT_USER() on success, same error number and message on refusal.
"""

from __future__ import annotations

from typing import Any

import pytest

from .endpoints import Endpoint
from .login import ATTEMPTS, CLIENT_PLUGINS


def _both(direct: Endpoint, via_proxy: Endpoint, driver: str, user: str, pw: str) -> list[str]:
    attempt = ATTEMPTS[driver]
    return [attempt(direct.as_user(user, pw)), attempt(via_proxy.as_user(user, pw))]


@pytest.mark.parametrize("driver", sorted(ATTEMPTS))
def test_password_checks(
    direct: Endpoint, via_proxy: Endpoint, make_user: Any, driver: str
) -> None:
    user = make_user()
    right = _both(direct, via_proxy, driver, user.name, user.password)
    wrong = _both(direct, via_proxy, driver, user.name, user.password + "x")
    empty = _both(direct, via_proxy, driver, user.name, "")
    unknown = _both(direct, via_proxy, driver, "no_such_user_zz", "pw")
    assert right == [f"ok {user.name}@%"] * 2
    for outcome, using in ((wrong, "YES"), (empty, "NO")):
        assert outcome[0].startswith(f"error 1045 Access denied for user '{user.name}'@"), outcome
        assert outcome[0].endswith(f"(using password: {using})")
        assert outcome[1] == outcome[0]
    assert unknown[0].startswith("error 1045 Access denied for user 'no_such_user_zz'@")
    assert unknown[1] == unknown[0]


@pytest.mark.parametrize("driver", sorted(ATTEMPTS))
def test_each_offered_plugin(
    direct: Endpoint,
    via_proxy: Endpoint,
    make_user: Any,
    auth_plugins: tuple[str, ...],
    driver: str,
) -> None:
    """Every plugin the server offers (e.g. MariaDB ed25519 goes through an auth switch)."""
    assert auth_plugins, "the server offers no authentication plugin the tests know"
    outcomes: dict[str, list[str]] = {}
    for plugin in auth_plugins:
        user = make_user(plugin)
        outcomes[plugin] = _both(direct, via_proxy, driver, user.name, user.password)
        outcomes[plugin + " (wrong password)"] = _both(
            direct, via_proxy, driver, user.name, "wrong"
        )
    for plugin in auth_plugins:
        direct_ok, proxy_ok = outcomes[plugin]
        if plugin in CLIENT_PLUGINS[driver]:
            assert direct_ok.startswith("ok "), f"{driver} {plugin} direct: {direct_ok}"
        assert proxy_ok == direct_ok, f"{driver} {plugin}"
        wrong_direct, wrong_proxy = outcomes[plugin + " (wrong password)"]
        assert wrong_proxy == wrong_direct, f"{driver} {plugin} wrong password"


@pytest.mark.mysql8
@pytest.mark.parametrize("driver", ["pymysql", "connector"])
def test_mysql8_plugins(mysql8: Any, make_proxy: Any, make_user: Any, driver: str) -> None:
    """caching_sha2_password (full and fast path) and sha256_password on a real MySQL 8."""
    from support.users import available_auth_plugins

    from .conftest import direct_endpoint, proxy_endpoint

    proxy8 = make_proxy(target=mysql8)
    direct = direct_endpoint(mysql8)
    via_proxy = proxy_endpoint(mysql8, proxy8)
    plugins = available_auth_plugins(mysql8)
    assert "caching_sha2_password" in plugins, plugins
    for plugin in plugins:
        user = make_user(plugin, target=mysql8)
        # Through the proxy first: caching_sha2's cache is empty, so this is the full exchange
        # (RSA key request on a plain connection); the second attempt takes the fast path.
        attempt = ATTEMPTS[driver]
        first = attempt(via_proxy.as_user(user.name, user.password))
        second = attempt(via_proxy.as_user(user.name, user.password))
        reference = attempt(direct.as_user(user.name, user.password))
        assert first == second == reference, f"{driver} {plugin}"
        wrong = [attempt(t.as_user(user.name, "wrong")) for t in (direct, via_proxy)]
        assert wrong[1] == wrong[0], f"{driver} {plugin} wrong password"
