"""Test infrastructure for branchdb: finding a real MySQL/MariaDB server, running the proxy.

Everything here except ``tests/conftest.py`` is pytest-free on purpose, so the demo command and
the benchmarks can reuse the "start a private server" and "run the proxy" logic.
"""
