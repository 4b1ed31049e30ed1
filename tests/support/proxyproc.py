"""Run ``branchdb serve`` as a real subprocess, the way users run it.

Why a subprocess and not an in-process server: it tests the CLI contract (first stdout line,
SIGTERM means graceful exit 0) and keeps a hung proxy from hanging the test runner. stdout and
stderr go to files, not pipes, so a chatty proxy can never block on a full pipe and tests can
read its log afterwards. pytest-free.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pymysql

from .upstream import Upstream

LISTENING = re.compile(r"^branchdb: listening on (?P<host>[^\s:]+):(?P<port>\d+)\s*$")


class ProxyError(RuntimeError):
    """The proxy did not start, or did not stop cleanly."""


def proxy_command() -> list[str]:
    """``python -m branchdb.proxy`` when that exists, else the ``branchdb`` console script."""
    if importlib.util.find_spec("branchdb.proxy.__main__") is not None:
        return [sys.executable, "-m", "branchdb.proxy"]
    script = Path(sys.executable).parent / "branchdb"
    if script.exists():
        return [str(script)]
    raise ProxyError(
        "cannot run the proxy: neither `python -m branchdb.proxy` nor "
        f"{script} exists (is the project installed? run `make install`)"
    )


class ProxyProcess:
    """One ``branchdb serve`` process in front of ``upstream``; ``start()`` then ``stop()``."""

    def __init__(
        self,
        upstream: Upstream,
        extra_args: Sequence[str] = (),
        *,
        start_timeout: float = 20.0,
        env: dict[str, str] | None = None,
        program: Sequence[str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        """``program`` replaces the ``branchdb`` command (tests of this harness use a relay).

        stdout/stderr are kept in ``log_dir`` (a new temporary directory by default); they
        outlive ``stop()`` so tests can read the log of a stopped proxy.
        """
        self.upstream = upstream
        self.program = list(program) if program is not None else None
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.env = env
        self.host = "127.0.0.1"
        self.port = 0
        if log_dir is None:
            log_dir = Path(tempfile.mkdtemp(prefix="branchdb-proxy-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix="proxy-", dir=log_dir))
        self.stdout_path = self._dir / "stdout.log"
        self.stderr_path = self._dir / "stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None

    @property
    def command(self) -> list[str]:
        return [
            *(self.program if self.program is not None else proxy_command()),
            "serve",
            "--upstream",
            self.upstream.url,
            "--listen",
            "127.0.0.1:0",
            *self.extra_args,
        ]

    def __enter__(self) -> ProxyProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stdout_text(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr_text(self) -> str:
        """Everything the proxy logged so far (its log goes to stderr)."""
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def log_lines(self) -> list[str]:
        return self.stderr_text().splitlines()

    def wait_for_log(self, pattern: str, timeout: float = 5.0) -> re.Match[str]:
        """Wait until a stderr line matches ``pattern`` (a regex); logs are written async."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_lines():
                m = rx.search(line)
                if m:
                    return m
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no proxy log line matched {pattern!r} within {timeout} s; log:\n"
                    f"{self.stderr_text()[-4000:]}"
                )
            time.sleep(0.05)

    def start(self) -> None:
        if self.proc is not None:
            raise ProxyError("proxy already started")
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                self.command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            first, newline, _ = self.stdout_text().partition("\n")
            if newline:
                m = LISTENING.match(first)
                if m is None:
                    self._abort(f"unexpected first stdout line {first!r}")
                    return
                self.host, self.port = m["host"], int(m["port"])
                return
            if self.proc.poll() is not None:
                self._abort(f"proxy exited with code {self.proc.returncode} before listening")
                return
            time.sleep(0.02)
        self._abort(f"proxy printed no 'listening' line within {self.start_timeout:.0f} s")

    def _abort(self, why: str) -> None:
        self._kill()
        raise ProxyError(f"{why}\ncommand: {' '.join(self.command)}\n{self._output_tail()}")

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None:
            self.returncode = self.proc.returncode
        self.proc = None

    def _output_tail(self) -> str:
        return (
            f"--- stdout ---\n{self.stdout_text()[-2000:]}\n"
            f"--- stderr ---\n{self.stderr_text()[-4000:]}"
        )

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait, and return the exit code; ProxyError if it hangs or exits non-zero."""
        proc = self.proc
        if proc is None:
            return self.returncode if self.returncode is not None else 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill()
                raise ProxyError(
                    f"proxy did not exit within {timeout:.0f} s of SIGTERM\n{self._output_tail()}"
                ) from None
        self.returncode = proc.returncode
        self.proc = None
        if self.returncode != 0:
            raise ProxyError(
                f"proxy exited with code {self.returncode} after SIGTERM\n{self._output_tail()}"
            )
        return self.returncode

    def connect(
        self,
        user: str | None = None,
        password: str | None = None,
        *,
        branch: str | None = None,
        **kw: Any,
    ) -> pymysql.connections.Connection:
        """PyMySQL through the proxy; defaults to the upstream's credentials.

        ``branch`` is sent as the ``branch`` connection attribute (the proxy's other way to
        pick a branch is the ``user~branch`` name suffix, which callers can pass as ``user``).
        """
        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.upstream.user if user is None else user,
            "password": self.upstream.password if password is None else password,
            "connect_timeout": 10,
        }
        params.update(kw)
        if branch is None:
            return pymysql.connect(**params)
        conn = pymysql.connect(defer_connect=True, **params)
        conn._connect_attrs["branch"] = branch  # PyMySQL has no public API for extra attributes
        conn.connect()
        return conn
