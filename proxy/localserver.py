"""Start and stop a private MySQL/MariaDB server in a temporary directory.

Why: tests (and later the demo and the benchmarks) must run on a machine where no server is
running, as long as the server *binaries* are installed. This module has no pytest dependency so
those other callers can reuse it. The server keeps its grant tables (no ``--skip-grant-tables``)
because the authentication tests need real users and plugins.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pymysql

Flavor = Literal["mariadb", "mysql"]

#: Extra places to look for server binaries, after ``$PATH``.
SEARCH_DIRS = ("/usr/sbin", "/usr/local/mysql/bin", "/usr/local/sbin", "/usr/local/bin")
#: Overrides the server binary search (a path to ``mariadbd`` or ``mysqld``).
ENV_MYSQLD = "BRANCHDB_TEST_MYSQLD"


class MysqldError(RuntimeError):
    """The private server could not be found, initialised or started."""


@dataclass(frozen=True)
class ServerBinaries:
    """The server executable, its flavor, and (MariaDB only) the data-dir initialiser."""

    server: Path
    flavor: Flavor
    install_db: Path | None


def _which(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    for d in SEARCH_DIRS:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def _flavor_of(server: Path) -> Flavor:
    out = subprocess.run(
        [str(server), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return "mariadb" if "mariadb" in (out.stdout + out.stderr).lower() else "mysql"


def find_server_binaries() -> ServerBinaries | None:
    """Locate ``mariadbd``/``mysqld``; None when no server is installed."""
    override = os.environ.get(ENV_MYSQLD)
    server = Path(override) if override else (_which("mariadbd") or _which("mysqld"))
    if server is None or not server.is_file():
        return None
    flavor = _flavor_of(server)
    install_db: Path | None = None
    if flavor == "mariadb":
        for name in ("mariadb-install-db", "mysql_install_db"):
            sibling = server.parent / name
            candidate = sibling if sibling.is_file() else _which(name)
            if candidate is not None:
                install_db = candidate
                break
        if install_db is None:
            return None
    return ServerBinaries(server=server, flavor=flavor, install_db=install_db)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _user_args() -> list[str]:
    # mariadbd/mysqld refuse to run as root unless told to explicitly.
    if os.geteuid() == 0:
        return [f"--user={pwd.getpwuid(0).pw_name}"]
    return []


# Strong references: a server whose owner forgot it must still be stopped at exit.
_RUNNING: set[PrivateServer] = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_RUNNING):
        server.stop()


class PrivateServer:
    """One private server: ``start()`` initialises a data dir and runs it on a free port.

    Root has an empty password and can log in over TCP from 127.0.0.1. ``stop()`` terminates the
    server and deletes the directory (unless ``keep_dir``); it also runs at interpreter exit.
    """

    host = "127.0.0.1"
    user = "root"
    password = ""

    def __init__(
        self,
        binaries: ServerBinaries | None = None,
        *,
        base_dir: Path | None = None,
        startup_timeout: float = 60.0,
        keep_dir: bool = False,
    ) -> None:
        found = binaries or find_server_binaries()
        if found is None:
            raise MysqldError(
                "no MySQL/MariaDB server binary found (looked for mariadbd, mysqld and "
                f"mariadb-install-db on $PATH and in {', '.join(SEARCH_DIRS)}; set "
                f"{ENV_MYSQLD} to override). Install one: apt-get install -y mariadb-server"
            )
        self.binaries = found
        self.flavor: Flavor = found.flavor
        self._own_dir = base_dir is None
        self.base_dir = base_dir or Path(tempfile.mkdtemp(prefix="branchdb-mysqld-"))
        self.datadir = self.base_dir / "data"
        self.socket_path = self.base_dir / "mysqld.sock"
        self.error_log_path = self.base_dir / "error.log"
        self.startup_timeout = startup_timeout
        self.keep_dir = keep_dir
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PrivateServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def error_log(self) -> str:
        try:
            return self.error_log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> None:
        if self._proc is not None:
            raise MysqldError("private server already started")
        if not self.datadir.exists():
            self._initialise()
        for _attempt in range(3):
            self.port = free_port()
            if self._launch():
                _RUNNING.add(self)
                self._allow_tcp_root()
                return
        raise MysqldError(f"private server could not bind a port:\n{self._log_tail()}")

    def stop(self, timeout: float = 30.0) -> None:
        proc, self._proc = self._proc, None
        _RUNNING.discard(self)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._own_dir and not self.keep_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    # -- internals -------------------------------------------------------------------------

    def _initialise(self) -> None:
        self.datadir.mkdir(parents=True)
        if self.binaries.flavor == "mariadb":
            assert self.binaries.install_db is not None
            cmd = [
                str(self.binaries.install_db),
                "--no-defaults",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                f"--datadir={self.datadir}",
                *_user_args(),
            ]
        else:
            cmd = [
                str(self.binaries.server),
                "--no-defaults",
                "--initialize-insecure",
                f"--datadir={self.datadir}",
                f"--log-error={self.error_log_path}",
                *_user_args(),
            ]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if res.returncode != 0:
            raise MysqldError(
                f"initialising the data dir failed ({' '.join(cmd)}), exit {res.returncode}:\n"
                f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}\n{self._log_tail()}"
            )

    def _server_cmd(self) -> list[str]:
        cmd = [
            str(self.binaries.server),
            "--no-defaults",  # must come first
            f"--datadir={self.datadir}",
            f"--socket={self.socket_path}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={self.base_dir / 'mysqld.pid'}",
            f"--log-error={self.error_log_path}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=128M",
            "--max-connections=500",
            *_user_args(),
        ]
        if self.flavor == "mysql":
            cmd += ["--mysqlx=OFF", "--skip-log-bin"]
        return cmd

    def _launch(self) -> bool:
        """Run the server; True once it answers, False if the port was taken."""
        log_size = self.error_log_path.stat().st_size if self.error_log_path.exists() else 0
        self._proc = subprocess.Popen(
            self._server_cmd(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not kill it mid-test
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._proc = None
                new_log = self.error_log()[log_size:]
                if "Address already in use" in new_log or "Bind on TCP/IP port" in new_log:
                    return False
                raise MysqldError(f"private server exited at startup:\n{self._log_tail()}")
            try:
                self._socket_connect().close()
                return True
            except pymysql.err.MySQLError:
                time.sleep(0.1)
        self.stop()
        raise MysqldError(
            f"private server did not accept connections within {self.startup_timeout:.0f} s:\n"
            f"{self._log_tail()}"
        )

    def _socket_connect(self) -> pymysql.connections.Connection:
        return pymysql.connect(
            unix_socket=str(self.socket_path), user="root", password="", connect_timeout=2
        )

    def _allow_tcp_root(self) -> None:
        """Fresh data dirs only have root@localhost; tests connect over TCP as root@127.0.0.1."""
        conn = self._socket_connect()
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''")
                cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
        finally:
            conn.close()

    def _log_tail(self, chars: int = 4000) -> str:
        text = self.error_log()
        return f"--- {self.error_log_path} (tail) ---\n{text[-chars:]}"
