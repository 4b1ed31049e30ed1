"""Fixtures shared by the client-compatibility tests.

The server-side fixtures (``upstream``, ``schema``, ``proxy``, ``make_user``) live in
``tests/conftest.py``; this file only turns them into :class:`Endpoint` targets and adds the
server settings some scenarios need (large packets, LOCAL INFILE).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from .endpoints import Endpoint

#: Large enough for the 20 MiB result and parameter scenarios, with room for packet overhead.
BIG_PACKET = 64 * 1024 * 1024


def direct_endpoint(upstream: Any) -> Endpoint:
    return Endpoint("direct", upstream.host, upstream.port, upstream.user, upstream.password)


def proxy_endpoint(upstream: Any, proxy: Any) -> Endpoint:
    # The proxy relays authentication, so the upstream's credentials work through it unchanged.
    return Endpoint("proxy", proxy.host, proxy.port, upstream.user, upstream.password)


@pytest.fixture(params=["direct", "proxy"])
def target(request: pytest.FixtureRequest, upstream: Any) -> Endpoint:
    """Each test using this runs twice: against the server and through the proxy."""
    if request.param == "direct":
        return direct_endpoint(upstream)
    return proxy_endpoint(upstream, request.getfixturevalue("proxy"))


@pytest.fixture
def direct(upstream: Any) -> Endpoint:
    return direct_endpoint(upstream)


@pytest.fixture
def via_proxy(upstream: Any, proxy: Any) -> Endpoint:
    return proxy_endpoint(upstream, proxy)


@contextmanager
def server_global(upstream: Any, name: str, value: Any) -> Iterator[None]:
    """Set a GLOBAL server variable for the duration, restoring the previous value after.

    GLOBAL values apply to connections opened afterwards, including the proxy's upstream
    connections, so set it before connecting.
    """
    conn = upstream.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT @@GLOBAL.{name}")
            (old,) = cur.fetchone()
            cur.execute(f"SET GLOBAL {name} = %s", (value,))
        try:
            yield
        finally:
            with conn.cursor() as cur:
                cur.execute(f"SET GLOBAL {name} = %s", (old,))
    finally:
        conn.close()


@pytest.fixture
def big_packets(upstream: Any) -> Iterator[int]:
    """Let the server send and receive packets well over 16 MiB; yields the limit."""
    with server_global(upstream, "max_allowed_packet", BIG_PACKET):
        yield BIG_PACKET


@pytest.fixture
def local_infile(upstream: Any) -> Iterator[None]:
    """Make sure the server accepts LOAD DATA LOCAL INFILE."""
    with server_global(upstream, "local_infile", 1):
        yield
