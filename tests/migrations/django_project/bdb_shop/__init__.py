"""A small shop app whose migrations change a shared schema that already holds data."""
