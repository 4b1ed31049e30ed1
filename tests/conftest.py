"""Test-session setup: all shared fixtures and hooks live in the ``support.plugin`` plugin.

Fixtures: ``upstream`` (session; a real MySQL/MariaDB), ``schema`` (a fresh database per test),
``make_user`` (throw-away users per auth plugin), ``auth_plugins``, ``proxy`` (session-wide
``branchdb serve`` subprocess), ``make_proxy`` (one with extra flags), ``mysql8`` (MySQL 8 via
Docker; deselected loudly when there is no engine). See ``tests/support/plugin.py``.
"""

pytest_plugins = ["support.plugin", "pytester"]
