#!/usr/bin/env bash
# mypy --strict over the branchdb packages and the test harness.
#
# Why the symlink: the repository root *is* the `branchdb` namespace (proxy/ is branchdb.proxy,
# cow/ is branchdb.cow, ...), so mypy needs a directory in which `branchdb/` resolves to the
# root. .mypy_root/branchdb -> .. gives it one without moving any code.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
MYPY="${MYPY:-$VENV/bin/mypy}"
MYPY="$(cd "$(dirname "$MYPY")" && pwd)/$(basename "$MYPY")"  # absolute: the harness runs in tests/

mkdir -p .mypy_root
ln -sfn .. .mypy_root/branchdb

status=0
MYPYPATH=.mypy_root "$MYPY" \
    -p branchdb.proxy -p branchdb.cow -p branchdb.sqlrewrite -p branchdb.bench || status=1

# The test harness (tests/support is imported as `support`, tests/ being on sys.path).
(cd tests && MYPYPATH=.:../.mypy_root "$MYPY" --config-file ../pyproject.toml \
    support conftest.py test_fixture_upstream.py migrations) || status=1
exit "$status"
