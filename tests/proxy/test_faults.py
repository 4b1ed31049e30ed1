"""Bad input and faults: the proxy answers a waiting client with a MySQL error, frees both sides,
logs one line and keeps serving everyone else."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator

import pymysql
import pytest
from support.proxyproc import ProxyProcess
from support.upstream import Upstream

from .faultlink import FaultLink
from .rawclient import RawClient

pytestmark = pytest.mark.timeout(120)


def assert_serves(proxy: ProxyProcess) -> None:
    """Another client still gets answers."""
    conn = proxy.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 40 + 2")
            assert cur.fetchone() == (42,)
    finally:
        conn.close()


def proxied_connections(upstream: Upstream, user: str = "root") -> int:
    """Upstream connections opened by clients of the proxy (ours are the only TCP ones left)."""
    conn = upstream.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE ID <> CONNECTION_ID() AND USER = %s AND COMMAND <> 'Daemon' "
                "AND INFO LIKE %s",
                (user, "%bdb_fault_marker%"),
            )
            row = cur.fetchone()
            return int(row[0]) if row else 0
    finally:
        conn.close()


@pytest.fixture
def link(upstream: Upstream) -> Iterator[FaultLink]:
    fl = FaultLink(upstream.host, upstream.port)
    yield fl
    fl.shutdown()


@pytest.fixture
def linked_proxy(make_proxy, upstream: Upstream, link: FaultLink) -> ProxyProcess:  # type: ignore[no-untyped-def]
    return make_proxy("--log-level", "info", target=dataclasses.replace(upstream, port=link.port))


def test_garbage_handshake_gets_1043_and_proxy_keeps_serving(make_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy("--log-level", "info")
    raw = RawClient(proxy.host, proxy.port)
    assert raw.read() is not None  # greeting
    raw.send(b"\x01\x02\x03", 1)  # far too short for a handshake response
    err = raw.read_error()
    assert err is not None and err.errno == 1043
    assert raw.closed_by_peer()
    raw.close()
    proxy.wait_for_log(r"protocol_error .*side=client")
    assert_serves(proxy)


def test_client_disconnects_mid_handshake(make_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy("--log-level", "info")
    raw = RawClient(proxy.host, proxy.port)
    assert raw.read() is not None
    raw.sock.sendall(b"\x40\x00\x00\x01\x0f\x00")  # a header promising 64 bytes, then 2 of them
    raw.close()
    proxy.wait_for_log(r"client_disconnected .*state=HANDSHAKE")
    assert_serves(proxy)


def test_silent_client_is_dropped_after_handshake_timeout(make_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy("--log-level", "info", "--handshake-timeout", "0.5")
    raw = RawClient(proxy.host, proxy.port)
    assert raw.read() is not None
    err = raw.read_error()  # never answer the greeting
    assert err is not None and err.errno == 1043
    assert raw.closed_by_peer()
    raw.close()
    proxy.wait_for_log(r"handshake_timeout")
    assert_serves(proxy)


def test_malformed_command_packet(make_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy("--log-level", "info")
    raw = RawClient(proxy.host, proxy.port)
    ok = raw.login(proxy.upstream.user)
    assert ok is not None and ok.payload[0] == 0
    raw.send(b"", 0)  # a command packet with no command byte
    err = raw.read_error()
    assert err is not None and err.errno == 1158
    assert raw.closed_by_peer()
    raw.close()
    assert_serves(proxy)


def test_unknown_and_replication_commands_are_refused_connection_stays(make_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy()
    raw = RawClient(proxy.host, proxy.port)
    raw.login(proxy.upstream.user)
    raw.send(b"\x12" + bytes(10), 0)  # COM_BINLOG_DUMP
    err = raw.read_error()
    assert err is not None and err.errno == 1235 and err.sqlstate == "42000"
    raw.send(b"\x0e", 0)  # COM_PING still answered on the same connection
    pong = raw.read()
    assert pong is not None and pong.payload[0] == 0
    raw.close()


def test_client_disconnects_mid_result_frees_its_upstream(make_proxy, upstream: Upstream) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy("--log-level", "info")
    raw = RawClient(proxy.host, proxy.port)
    raw.login(proxy.upstream.user)
    query = (
        "SELECT /* bdb_fault_marker */ REPEAT('x', 1000) FROM "
        "information_schema.COLUMNS a, information_schema.COLUMNS b LIMIT 2000000"
    )
    raw.send(b"\x03" + query.encode(), 0)
    for _ in range(5):  # column count, column definition, the first rows
        assert raw.read() is not None
    raw.sock.shutdown(socket.SHUT_RDWR)  # vanish without COM_QUIT while rows are streaming
    raw.close()
    proxy.wait_for_log(r"client_disconnected .*state=BUSY")
    deadline = time.monotonic() + 15
    while proxied_connections(upstream) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proxied_connections(upstream) == 0, "the upstream query of a vanished client runs on"
    assert_serves(proxy)


def test_max_connections_answers_1040(make_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy("--max-connections", "2")
    first, second = proxy.connect(), proxy.connect()
    with pytest.raises(pymysql.err.OperationalError) as info:
        proxy.connect()
    assert info.value.args[0] == 1040
    first.close()
    time.sleep(0.2)
    third = proxy.connect()  # a slot is free again
    third.close()
    second.close()


def test_upstream_refuses_new_connections(linked_proxy: ProxyProcess, link: FaultLink) -> None:
    link.close()
    with pytest.raises(pymysql.err.OperationalError) as info:
        linked_proxy.connect()
    assert info.value.args[0] == 2003
    assert "can't connect to upstream" in str(info.value.args[1])
    link.open()  # the upstream comes back: the proxy needs no restart
    assert_serves(linked_proxy)


def test_upstream_dies_mid_query_then_restarts(linked_proxy: ProxyProcess, link: FaultLink) -> None:
    victim = linked_proxy.connect()
    result: list[BaseException] = []

    def run_slow() -> None:
        try:
            with victim.cursor() as cur:
                cur.execute("SELECT SLEEP(5)")
        except BaseException as exc:
            result.append(exc)

    worker = threading.Thread(target=run_slow)
    worker.start()
    time.sleep(0.5)
    link.cut()
    worker.join(10)
    assert result and isinstance(result[0], pymysql.err.OperationalError)
    assert result[0].args[0] in (2013, 2006)
    linked_proxy.wait_for_log(r"upstream_lost .*state=BUSY")
    assert_serves(linked_proxy)  # new connections reach the (restarted) upstream


def test_sigterm_lets_the_statement_in_flight_finish(make_proxy) -> None:  # type: ignore[no-untyped-def]
    proxy = make_proxy()
    conn = proxy.connect()
    got: list[object] = []

    def run() -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT SLEEP(1), 7")
            got.append(cur.fetchone())

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.3)
    assert proxy.proc is not None
    proxy.proc.terminate()
    worker.join(10)
    assert got == [(0, 7)]
    assert proxy.stop() == 0
