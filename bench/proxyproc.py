"""Run `branchdb serve` as a child process for the length of a benchmark.

The proxy announces its port on its first stdout line, so the harness can listen on port 0 and
never race another process for a fixed port. Its output is drained into a log file for the whole
run: a proxy that logs to a full pipe would stall and the benchmark would measure the pipe.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from branchdb.bench.target import Target

_LISTENING = re.compile(r"branchdb: listening on ([0-9.]+):(\d+)")
_CLK_TCK = os.sysconf("SC_CLK_TCK")


class ProxyError(RuntimeError):
    """The proxy did not start, or died."""


@dataclass
class ProxyProcess:
    proc: subprocess.Popen[bytes]
    target: Target
    command: list[str]
    log_path: Path
    #: Exit status after the harness sent SIGTERM (0 = graceful), None while running.
    exit_code: int | None = None

    def cpu_seconds(self) -> float:
        """User+system CPU the proxy has used so far (Linux /proc), to report CPU per query."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        # After the ")" closing comm: state is field 3, utime 14, stime 15 (1-based in proc(5)).
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise ProxyError(f"proxy exited with {self.proc.returncode}; log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def default_command() -> list[str]:
    """`branchdb` beside the running interpreter, else the same entry point through `-c`."""
    script = Path(sys.executable).parent / "branchdb"
    if script.exists():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "import sys; from branchdb.proxy.cli import main; sys.exit(main())",
    ]


def _drain(stream: IO[bytes], log: IO[bytes], first: list[str], ready: threading.Event) -> None:
    for line in iter(stream.readline, b""):
        if not ready.is_set():
            first.append(line.decode(errors="replace").strip())
            ready.set()
        log.write(line)
        log.flush()
    ready.set()


@contextmanager
def running_proxy(
    upstream: Target,
    *,
    command: Sequence[str] | None = None,
    extra_args: Sequence[str] = (),
    start_timeout: float = 30.0,
) -> Iterator[ProxyProcess]:
    """Start the proxy, yield it once it listens, stop it with SIGTERM afterwards."""
    cmd = [
        *(command or default_command()),
        "serve",
        "--upstream",
        upstream.url,
        "--listen",
        "127.0.0.1:0",
        *extra_args,
    ]
    fd, log_name = tempfile.mkstemp(prefix="branchdb-bench-proxy-", suffix=".log")
    log = os.fdopen(fd, "wb")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    first: list[str] = []
    ready = threading.Event()
    drainer = threading.Thread(target=_drain, args=(proc.stdout, log, first, ready), daemon=True)
    drainer.start()
    pp = ProxyProcess(proc=proc, target=upstream, command=cmd, log_path=Path(log_name))
    keep_log = True
    try:
        if not ready.wait(start_timeout):
            raise ProxyError(f"proxy printed nothing in {start_timeout:.0f}s: {shlex.join(cmd)}")
        match = _LISTENING.search(first[0]) if first else None
        if match is None:
            proc.poll()
            raise ProxyError(
                f"unexpected first line {first[:1]!r} (exit {proc.returncode}) from "
                f"{shlex.join(cmd)}; log:\n{pp.log_tail()}"
            )
        pp.target = upstream.with_address(match.group(1), int(match.group(2)))
        yield pp
    except BaseException:
        keep_log = True
        raise
    else:
        keep_log = False
    finally:
        pp.exit_code = _stop(proc)
        drainer.join(timeout=5)
        log.close()
        if not keep_log and pp.exit_code == 0:
            pp.log_path.unlink(missing_ok=True)
        else:
            print(f"[bench] proxy log kept: {pp.log_path}", file=sys.stderr)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return proc.returncode
        time.sleep(0.05)
    proc.kill()
    return proc.wait()
