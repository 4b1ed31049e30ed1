"""An Alembic project whose history changes the seeded shop (see ``seed.py``)."""
