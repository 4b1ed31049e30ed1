"""Entry point of the benchmark harness: `python -m branchdb.bench <workload> [options]`.

`main(argv)` takes the arguments after the program name, so the `branchdb` CLI can expose it as
`branchdb bench ...` by forwarding its remaining arguments.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from branchdb.bench import branching, clients, ddlbench, drivers, passthrough, prepared, reads

COMMANDS: dict[str, Callable[[Sequence[str] | None], int]] = {
    "passthrough": passthrough.main,
    "drivers": drivers.main,
    "clients": clients.main,
    "branching": branching.main,
    "prepared": prepared.main,
    "reads": reads.main,
    "ddl": ddlbench.main,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        names = " | ".join(COMMANDS)
        print(
            f"usage: python -m branchdb.bench {{{names}}} [options]  (--help per command)",
            file=sys.stderr if args and args[0] not in ("-h", "--help") else sys.stdout,
        )
        return 0 if args and args[0] in ("-h", "--help") else 2
    return COMMANDS[args[0]](args[1:])
