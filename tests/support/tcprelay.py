"""A byte relay that speaks the ``branchdb serve`` command-line contract and nothing more.

Why: the proxy harness (``proxyproc``) must be testable on its own, before and independently
of the real proxy; and benchmarks can use it as the "zero-logic proxy" baseline. It forwards
TCP bytes to the upstream unchanged. Run: ``python -m support.tcprelay serve --upstream URL
--listen 127.0.0.1:0`` (from ``tests/``) or ``python path/to/tcprelay.py serve ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from urllib.parse import urlsplit


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _serve(upstream_host: str, upstream_port: int, host: str, port: int) -> None:
    async def handle(cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        print("relay: client connected", file=sys.stderr, flush=True)
        try:
            ur, uw = await asyncio.open_connection(upstream_host, upstream_port)
        except OSError as e:
            print(f"relay: upstream unreachable: {e}", file=sys.stderr, flush=True)
            cw.close()
            return
        await asyncio.gather(_pipe(cr, uw), _pipe(ur, cw))

    server = await asyncio.start_server(handle, host, port)
    bound_port = server.sockets[0].getsockname()[1]
    print(f"branchdb: listening on {host}:{bound_port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()
    print("relay: stopped", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tcprelay")
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--upstream", required=True)
    serve.add_argument("--listen", default="127.0.0.1:0")
    args, _unknown = parser.parse_known_args(argv)
    up = urlsplit(args.upstream)
    host, _, port = args.listen.rpartition(":")
    asyncio.run(_serve(up.hostname or "127.0.0.1", up.port or 3306, host, int(port)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
