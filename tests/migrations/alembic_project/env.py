"""Alembic environment: migrate the connection the caller hands over in ``config.attributes``.

That is Alembic's documented way to run commands programmatically on an existing connection
(the tests open it on a branch through the proxy, or directly on a real copy).
"""

from __future__ import annotations

from alembic import context

from migrations.alembic_project.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
