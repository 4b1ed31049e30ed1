"""The connection phase of a session: relay the upstream's greeting with masked capabilities,
take the branch selector out of the client's handshake response (and COM_CHANGE_USER), hold the
upstream's final auth OK until the branch is attached, and time out silent clients.

Functions over the session rather than methods, to keep the session's module to its state
machine; they change the session's state exactly as its own handlers do.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from branchdb.cow.naming import is_internal_db
from branchdb.proxy import logs
from branchdb.proxy.constants import ER, MASKED_CAPABILITIES, Capability
from branchdb.proxy.errors import BranchDBError, internal_db_denied
from branchdb.proxy.framing import Packet, PacketReader, encode_packet
from branchdb.proxy.handshake import (
    choose_branch,
    make_change_user,
    make_handshake_response,
    parse_change_user,
    parse_greeting,
    parse_handshake_response,
)
from branchdb.proxy.response import Reply
from branchdb.proxy.states import State
from branchdb.proxy.wire import ProtocolError

if TYPE_CHECKING:
    from branchdb.proxy.session import ClientSession

log = logs.get("session")


def on_greeting(s: ClientSession, packet: Packet) -> None:
    try:
        greeting = parse_greeting(packet.payload)
    except ProtocolError:
        if packet.payload[:1] == b"\xff":  # upstream refused us (too many connections, ...)
            s._write_client(packet.raw)
            s._close()
            return
        raise
    s.greeting = greeting.masked()
    s.state = State.HANDSHAKE
    s._write_client(encode_packet(s.greeting.payload, packet.seq))
    if s.client is not None:
        s.client.resume_reading()


def on_handshake_response(s: ClientSession, packet: Packet) -> None:
    assert s.greeting is not None
    if s._handshake_timer is not None:
        s._handshake_timer.cancel()
        s._handshake_timer = None
    try:
        response = parse_handshake_response(packet.payload)
    except ProtocolError as exc:
        if len(packet.payload) == 32:  # an SSL request: TLS was not offered
            s._refuse(
                BranchDBError(ER.HANDSHAKE_ERROR, "branchdb: TLS is not enabled on this proxy"),
                seq=packet.last_seq + 1,
            )
            return
        raise ProtocolError(f"bad handshake response: {exc}") from exc
    choice = choose_branch(
        response.user,
        response.attributes,
        s.config.default_branch,
        s.config.branch_separator,
    )
    if choice.branch is not None and response.database and is_internal_db(response.database):
        s._refuse(internal_db_denied(choice.user, response.database), seq=packet.last_seq + 1)
        return
    caps = response.capabilities & ~MASKED_CAPABILITIES & s.greeting.capabilities
    forwarded = make_handshake_response(
        type(response)(
            capabilities=caps | (response.capabilities & Capability.LONG_PASSWORD),
            max_packet=response.max_packet,
            charset=response.charset,
            filler=bytes(19) + b"\0\0\0\0",
            user=choice.user,
            auth_response=response.auth_response,
            database=response.database,
            auth_plugin=response.auth_plugin,
            attributes=choice.attributes,
        )
    )
    s.capabilities = caps
    s.scanner.set_capabilities(caps)
    s.user = choice.user
    s.branch = choice.branch
    s.database = response.database or None
    s.state = State.AUTH
    s.scanner.start(Reply.AUTH)
    s._send_upstream(encode_packet(forwarded, packet.seq))
    if choice.branch is not None:  # look the branch up while the upstream checks the password
        s._branch_task = asyncio.get_running_loop().create_task(
            s.server.attach_branch(choice.branch, response.database or None)
        )
    logs.event(
        log,
        logging.DEBUG,
        "handshake",
        session=s.session_id,
        user=choice.user,
        branch=choice.branch or "",
        via=choice.source,
    )


def handshake_timed_out(s: ClientSession) -> None:
    s._handshake_timer = None
    if s.state in (State.CONNECTING, State.HANDSHAKE):
        logs.event(log, logging.INFO, "handshake_timeout", peer=s.peer)
        s._refuse(BranchDBError(ER.HANDSHAKE_ERROR, "Bad handshake"), seq=2)


def change_user(s: ClientSession, packet: Packet) -> None:
    cu = parse_change_user(packet.payload, s.capabilities)
    choice = choose_branch(
        cu.user, cu.attributes, s.config.default_branch, s.config.branch_separator
    )
    rewritten = type(cu)(
        user=choice.user,
        auth_response=cu.auth_response,
        database=cu.database,
        charset=cu.charset,
        auth_plugin=cu.auth_plugin,
        attributes=choice.attributes,
    )
    s._change_user_branch = (choice.branch, choice.user)
    s._pending_database = cu.database or None
    s.state = State.BUSY
    raw = encode_packet(make_change_user(rewritten, s.capabilities), 0)
    if choice.branch is None:
        s._change_user_info = None
        s.scanner.start(Reply.AUTH)
        s._send_upstream(raw)
        return
    s._engine_task = asyncio.get_running_loop().create_task(
        change_user_to_branch(s, choice.branch, choice.user, raw, packet.last_seq + 1)
    )


async def change_user_to_branch(
    s: ClientSession, branch: str, user: str, raw: bytes, seq: int
) -> None:
    try:
        s._change_user_info = await s.server.attach_branch(branch, s._pending_database)
    except BranchDBError as err:
        s._refuse(err, seq)
        return
    finally:
        s._engine_task = None
    s.scanner.start(Reply.AUTH)
    s._send_upstream(raw)


def auth_finished(s: ClientSession) -> None:
    if s.scanner.error:
        logs.event(log, logging.INFO, "auth_failed", peer=s.peer, user=s.user)
        s._close()
        return
    s.state = State.READY
    s.server_status = s.scanner.status
    s.server.sessions_authenticated += 1
    logs.event(
        log,
        logging.INFO,
        "session_started",
        session=s.session_id,
        peer=s.peer,
        user=s.user,
        branch=s.branch or "",
    )
    if s.client_reader.buffered():
        s.data_received(b"")


async def finish_branch_auth(s: ClientSession, held: bytes) -> None:
    assert s._branch_task is not None
    try:
        s.branch_info = await s._branch_task
    except BranchDBError as err:
        reader = PacketReader()
        reader.feed(held)
        packets = []
        while (p := reader.next_packet()) is not None:
            packets.append(p)
        for p in packets[:-1]:
            s._write_client(p.raw)
        s._refuse(err, seq=packets[-1].seq if packets else 2)
        return
    except Exception as exc:
        logs.event(log, logging.ERROR, "branch_lookup_failed", branch=s.branch, error=exc)
        s._refuse(BranchDBError(ER.UNKNOWN_ERROR, f"branchdb: branch lookup failed: {exc}"), seq=2)
        return
    finally:
        s._branch_task = None
    if s.state is State.CLOSED:
        return
    s._write_client(held)
    auth_finished(s)
