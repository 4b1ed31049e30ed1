"""Throw-away database users with a chosen authentication plugin.

Why: the proxy must relay every handshake the upstream offers, so auth tests need real users
per plugin: MariaDB mysql_native_password and ed25519; MySQL additionally caching_sha2_password
and sha256_password. Which ones a server has varies, so tests ask :func:`available_auth_plugins`
instead of assuming. pytest-free.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import pymysql

from .upstream import Upstream

#: Plugins the tests know how to create users for, by flavor, in preference order.
KNOWN_PLUGINS: dict[str, tuple[str, ...]] = {
    "mariadb": ("mysql_native_password", "ed25519"),
    "mysql": ("caching_sha2_password", "mysql_native_password", "sha256_password"),
}


@dataclass(frozen=True)
class DbUser:
    """A user that exists on the upstream; ``plugin`` is None for the server default."""

    name: str
    password: str
    plugin: str | None
    host: str = "%"


def _active_auth_plugins(conn: pymysql.connections.Connection) -> set[str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT PLUGIN_NAME FROM information_schema.PLUGINS "
            "WHERE PLUGIN_TYPE = 'AUTHENTICATION' AND PLUGIN_STATUS = 'ACTIVE'"
        )
        return {str(r[0]) for r in cur.fetchall()}


def _try_install_ed25519(conn: pymysql.connections.Connection) -> None:
    """Load MariaDB's ed25519 plugin when its library is there; quietly leave it out if not."""
    try:
        with conn.cursor() as cur:
            cur.execute("INSTALL SONAME 'auth_ed25519'")
    except pymysql.err.MySQLError:
        pass  # not shipped with this build: available_auth_plugins() just won't list it


def available_auth_plugins(upstream: Upstream) -> tuple[str, ...]:
    """The plugins of :data:`KNOWN_PLUGINS` this server offers (installing ed25519 if possible)."""
    conn = upstream.connect()
    try:
        active = _active_auth_plugins(conn)
        if upstream.flavor == "mariadb" and "ed25519" not in active:
            _try_install_ed25519(conn)
            active = _active_auth_plugins(conn)
    finally:
        conn.close()
    return tuple(p for p in KNOWN_PLUGINS[upstream.flavor] if p in active)


def _identified(upstream: Upstream, plugin: str | None) -> str:
    if plugin is None:
        return "IDENTIFIED BY %s"
    if plugin not in KNOWN_PLUGINS[upstream.flavor]:
        raise ValueError(f"plugin {plugin!r} not supported on {upstream.flavor}")
    if upstream.flavor == "mariadb":
        return f"IDENTIFIED VIA {plugin} USING PASSWORD(%s)"
    return f"IDENTIFIED WITH {plugin} BY %s"


def create_user(
    upstream: Upstream,
    *,
    plugin: str | None = None,
    grant_on: Sequence[str] = (),
    name: str | None = None,
    password: str | None = None,
) -> DbUser:
    """Create a user (random name and password by default) with ALL on each ``grant_on`` object.

    ``grant_on`` items are SQL privilege levels as written in GRANT, e.g. ```t_1a2b`.*`` or
    ``*.*``. Raises ValueError if the server lacks the plugin, so tests fail loudly.
    """
    if plugin is not None and plugin not in available_auth_plugins(upstream):
        raise ValueError(
            f"{upstream.flavor} {upstream.version} does not offer auth plugin {plugin!r} "
            f"(it offers {available_auth_plugins(upstream)})"
        )
    user = DbUser(
        name=name or f"u_{secrets.token_hex(5)}",
        password=password if password is not None else secrets.token_urlsafe(12),
        plugin=plugin,
    )
    conn = upstream.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE USER %s@%s {_identified(upstream, plugin)}",
                (user.name, user.host, user.password),
            )
            for level in grant_on:
                cur.execute(f"GRANT ALL PRIVILEGES ON {level} TO %s@%s", (user.name, user.host))
    finally:
        conn.close()
    return user


def drop_user(upstream: Upstream, user: DbUser) -> None:
    conn = upstream.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("DROP USER IF EXISTS %s@%s", (user.name, user.host))
    finally:
        conn.close()
