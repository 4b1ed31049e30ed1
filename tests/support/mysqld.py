"""The private-server starter lives in the package (the demo uses it too); re-exported here."""

from branchdb.proxy.localserver import (
    ENV_MYSQLD,
    Flavor,
    MysqldError,
    PrivateServer,
    ServerBinaries,
    find_server_binaries,
    free_port,
)

__all__ = [
    "ENV_MYSQLD",
    "Flavor",
    "MysqldError",
    "PrivateServer",
    "ServerBinaries",
    "find_server_binaries",
    "free_port",
]
