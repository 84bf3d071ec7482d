"""Persistence: SQLAlchemy 2 models, encrypted column types, repositories, unit of work, Alembic migrations."""
