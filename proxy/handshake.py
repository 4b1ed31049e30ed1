"""Connection-phase packets: the server greeting, the client's handshake response and
COM_CHANGE_USER, parsed and re-encoded so the proxy can mask capabilities and take the branch
selector out of the user name and connection attributes. No I/O.

The proxy never computes or checks a password: it relays the upstream's own salt to the client and
the client's scramble back, so the upstream authenticates the user.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

from branchdb.proxy.constants import MASKED_CAPABILITIES, Capability
from branchdb.proxy.wire import Cursor, ProtocolError, lenenc_bytes

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")

#: Connection attribute that names the branch (the "branch header").
BRANCH_ATTRIBUTE = "branch"


@dataclass(frozen=True, slots=True)
class Greeting:
    """The upstream's initial handshake (protocol 10), kept as bytes plus the parsed fields."""

    payload: bytes
    server_version: str
    connection_id: int
    capabilities: int
    charset: int
    status: int
    auth_plugin: str
    mariadb_ext_caps: int  # MariaDB extended capabilities (0 on MySQL)
    _caps_low_at: int
    _caps_high_at: int  # -1 when the greeting is the short pre-4.1 form
    _ext_caps_at: int  # -1 unless MariaDB extended capabilities are present

    @property
    def is_mariadb(self) -> bool:
        return "MariaDB" in self.server_version

    def masked(self, extra_mask: int = 0) -> Greeting:
        """The greeting the client sees: capabilities the proxy cannot relay are cleared."""
        caps = self.capabilities & ~(MASKED_CAPABILITIES | extra_mask) & 0xFFFFFFFF
        data = bytearray(self.payload)
        data[self._caps_low_at : self._caps_low_at + 2] = _U16.pack(caps & 0xFFFF)
        if self._caps_high_at >= 0:
            data[self._caps_high_at : self._caps_high_at + 2] = _U16.pack(caps >> 16)
        if self._ext_caps_at >= 0:
            data[self._ext_caps_at : self._ext_caps_at + 4] = b"\0\0\0\0"
        return replace(self, payload=bytes(data), capabilities=caps, mariadb_ext_caps=0)


def parse_greeting(payload: bytes) -> Greeting:
    if not payload:
        raise ProtocolError("empty greeting")
    if payload[0] == 0xFF:
        raise ProtocolError("upstream refused the connection")
    if payload[0] != 10:
        raise ProtocolError(f"unsupported handshake protocol version {payload[0]}")
    c = Cursor(payload, 1)
    version = c.nul_bytes().decode("utf-8", "replace")
    conn_id = c.u32()
    c.take(8)  # auth-plugin-data part 1
    c.take(1)  # filler
    caps_low_at = c.pos
    caps = c.u16()
    charset = status = 0
    caps_high_at = ext_at = -1
    ext_caps = 0
    plugin = ""
    if c.remaining():
        charset = c.u8()
        status = c.u16()
        caps_high_at = c.pos
        caps |= c.u16() << 16
        auth_len = c.u8()
        c.take(6)
        if not caps & Capability.LONG_PASSWORD:  # MariaDB: CLIENT_MYSQL unset → extended caps
            ext_at = c.pos
            ext_caps = c.u32()
        else:
            c.take(4)
        if caps & Capability.SECURE_CONNECTION:
            c.take(min(max(13, auth_len - 8), c.remaining()))
        if caps & Capability.PLUGIN_AUTH and c.remaining():
            end = payload.find(b"\0", c.pos)
            plugin = payload[c.pos : end if end >= 0 else len(payload)].decode("ascii", "replace")
    return Greeting(
        payload=payload,
        server_version=version,
        connection_id=conn_id,
        capabilities=caps,
        charset=charset,
        status=status,
        auth_plugin=plugin,
        mariadb_ext_caps=ext_caps,
        _caps_low_at=caps_low_at,
        _caps_high_at=caps_high_at,
        _ext_caps_at=ext_at,
    )


@dataclass(frozen=True, slots=True)
class HandshakeResponse:
    capabilities: int
    max_packet: int
    charset: int
    filler: bytes  # 23 reserved bytes (MariaDB puts its extended capabilities in the last 4)
    user: str
    auth_response: bytes
    database: str | None
    auth_plugin: str | None
    attributes: tuple[tuple[str, str], ...] | None = field(default=None)

    def attribute(self, key: str) -> str | None:
        for k, v in self.attributes or ():
            if k == key:
                return v
        return None


def parse_handshake_response(payload: bytes) -> HandshakeResponse:
    c = Cursor(payload)
    caps = c.u32()
    if not caps & Capability.PROTOCOL_41:
        raise ProtocolError("pre-4.1 clients are not supported")
    max_packet = c.u32()
    charset = c.u8()
    filler = c.take(23)
    user = c.nul_bytes().decode("utf-8", "surrogateescape")
    if caps & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA:
        auth = c.lenenc_bytes() or b""
    elif caps & Capability.SECURE_CONNECTION:
        auth = c.take(c.u8())
    else:
        auth = c.nul_bytes()
    database = None
    if caps & Capability.CONNECT_WITH_DB and c.remaining():
        database = c.nul_bytes().decode("utf-8", "surrogateescape")
    plugin = None
    if caps & Capability.PLUGIN_AUTH and c.remaining():
        plugin = c.nul_bytes().decode("ascii", "replace")
    attrs = _parse_attributes(c) if caps & Capability.CONNECT_ATTRS and c.remaining() else None
    return HandshakeResponse(caps, max_packet, charset, filler, user, auth, database, plugin, attrs)


def _parse_attributes(c: Cursor) -> tuple[tuple[str, str], ...]:
    total = c.lenenc_int() or 0
    end = c.pos + total
    if end > len(c.data):
        raise ProtocolError("connection attributes truncated")
    out: list[tuple[str, str]] = []
    while c.pos < end:
        k = (c.lenenc_bytes() or b"").decode("utf-8", "surrogateescape")
        v = (c.lenenc_bytes() or b"").decode("utf-8", "surrogateescape")
        out.append((k, v))
    return tuple(out)


def _encode_attributes(attrs: tuple[tuple[str, str], ...]) -> bytes:
    body = b"".join(
        lenenc_bytes(k.encode("utf-8", "surrogateescape"))
        + lenenc_bytes(v.encode("utf-8", "surrogateescape"))
        for k, v in attrs
    )
    return lenenc_bytes(body)


def make_handshake_response(r: HandshakeResponse) -> bytes:
    caps = r.capabilities
    out = bytearray(_U32.pack(caps) + _U32.pack(r.max_packet) + bytes((r.charset,)) + r.filler)
    out += r.user.encode("utf-8", "surrogateescape") + b"\0"
    if caps & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA:
        out += lenenc_bytes(r.auth_response)
    elif caps & Capability.SECURE_CONNECTION:
        out += bytes((len(r.auth_response),)) + r.auth_response
    else:
        out += r.auth_response + b"\0"
    if caps & Capability.CONNECT_WITH_DB:
        out += (r.database or "").encode("utf-8", "surrogateescape") + b"\0"
    if caps & Capability.PLUGIN_AUTH:
        out += (r.auth_plugin or "").encode("ascii") + b"\0"
    if caps & Capability.CONNECT_ATTRS:
        out += _encode_attributes(r.attributes or ())
    return bytes(out)


@dataclass(frozen=True, slots=True)
class ChangeUser:
    """COM_CHANGE_USER: re-authenticate on the same connection, possibly picking a new branch."""

    user: str
    auth_response: bytes
    database: str
    charset: int | None
    auth_plugin: str | None
    attributes: tuple[tuple[str, str], ...] | None


def parse_change_user(payload: bytes, caps: int) -> ChangeUser:
    c = Cursor(payload, 1)
    user = c.nul_bytes().decode("utf-8", "surrogateescape")
    auth = c.take(c.u8()) if caps & Capability.SECURE_CONNECTION else c.nul_bytes()
    database = c.nul_bytes().decode("utf-8", "surrogateescape") if c.remaining() else ""
    charset = c.u16() if c.remaining() >= 2 else None
    plugin = None
    if caps & Capability.PLUGIN_AUTH and c.remaining():
        plugin = c.nul_bytes().decode("ascii", "replace")
    attrs = _parse_attributes(c) if caps & Capability.CONNECT_ATTRS and c.remaining() else None
    return ChangeUser(user, auth, database, charset, plugin, attrs)


def make_change_user(cu: ChangeUser, caps: int) -> bytes:
    out = bytearray(b"\x11")
    out += cu.user.encode("utf-8", "surrogateescape") + b"\0"
    if caps & Capability.SECURE_CONNECTION:
        out += bytes((len(cu.auth_response),)) + cu.auth_response
    else:
        out += cu.auth_response + b"\0"
    out += cu.database.encode("utf-8", "surrogateescape") + b"\0"
    if cu.charset is not None:
        out += _U16.pack(cu.charset)
        if caps & Capability.PLUGIN_AUTH:
            out += (cu.auth_plugin or "").encode("ascii") + b"\0"
        if caps & Capability.CONNECT_ATTRS and cu.attributes is not None:
            out += _encode_attributes(cu.attributes)
    return bytes(out)


# --- branch selection -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BranchChoice:
    user: str  # the user name the upstream sees
    attributes: tuple[tuple[str, str], ...] | None  # attributes the upstream sees
    branch: str | None  # None: the shared database itself
    source: str  # "attribute", "user", "default" or "none"


def choose_branch(
    user: str,
    attributes: tuple[tuple[str, str], ...] | None,
    default_branch: str | None,
    separator: str,
) -> BranchChoice:
    """Pick the branch: the `branch` attribute, then a user-name suffix, then the default.

    Both selectors are always removed, whichever wins, so the upstream sees the plain user name
    and never learns about branches.
    """
    plain_user, _, suffix = user.partition(separator) if separator else (user, "", "")
    attr_value: str | None = None
    kept: tuple[tuple[str, str], ...] | None = None
    if attributes is not None:
        kept = tuple((k, v) for k, v in attributes if k != BRANCH_ATTRIBUTE)
        attr_value = next((v for k, v in attributes if k == BRANCH_ATTRIBUTE), None)
    if attr_value:
        return BranchChoice(plain_user, kept, attr_value, "attribute")
    if suffix:
        return BranchChoice(plain_user, kept, suffix, "user")
    if default_branch:
        return BranchChoice(plain_user, kept, default_branch, "default")
    return BranchChoice(plain_user, kept, None, "none")
