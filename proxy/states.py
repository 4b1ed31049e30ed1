"""The states of a client session (one handler per state, as asyncpg's core protocol)."""

from __future__ import annotations

from enum import Enum, auto


class State(Enum):
    CONNECTING = auto()  # waiting for the upstream connection and its greeting
    HANDSHAKE = auto()  # greeting relayed, waiting for the client's handshake response
    AUTH = auto()  # relaying the authentication exchange until the upstream says OK or ERR
    READY = auto()  # authenticated, no command in flight
    BUSY = auto()  # a command is in flight
    CLOSED = auto()
