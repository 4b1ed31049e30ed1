"""Real migration tools (Alembic, Django, SQLAlchemy reflection) on a branch vs a real copy."""
