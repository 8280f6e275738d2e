"""Alembic migrations; run them with ``advocacy db upgrade``."""
