"""Engine construction and migrations.

:func:`create_engine_for` builds the engine and attaches the field cipher to it, so every encrypted column of every
session on that engine encrypts and decrypts with the configured keys.

SQLite: foreign keys on, WAL journal for files, a 30 s busy timeout, and ``BEGIN IMMEDIATE`` for every transaction:
every service call writes an audit row, so taking the write lock at the start makes concurrent calls queue instead of
failing on lock upgrade (SQLite has a single writer; this also serialises the audit hash chain).

WAL is a property of the file: :func:`migrate` sets it once, so app connections normally find it set. Converting a file
still in rollback-journal mode upgrades a read lock to a write lock, which SQLite refuses at once (no busy wait) while
another connection is converting or writing; :func:`_ensure_wal` therefore retries within the busy timeout.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from novamind_core.db.types import attach_cipher

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0


def create_engine_for(database_url: str, cipher: Any, *, echo: bool = False) -> Engine:
    """Create an engine for ``database_url`` whose encrypted columns use ``cipher``."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            _create_private(Path(url.database))
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(url, echo=echo, connect_args=connect_args)
        _configure_sqlite(engine, wal=bool(url.database) and url.database != ":memory:")
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
    attach_cipher(engine, cipher)
    return engine


def _create_private(path: Path) -> None:
    """Create a new SQLite file with mode 0600 before SQLite opens it: SQLite gives its -wal, -shm and -journal files
    the database file's own mode, so none of them is ever readable by other local users (an existing file is left
    as it is)."""
    import contextlib
    import os

    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's begin hook issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        if wal:
            _ensure_wal(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _ensure_wal(dbapi_connection: Any, timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
    """Put the file in WAL mode, waiting out another connection that holds the write lock (see the module's note)."""
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while True:
        cursor = dbapi_connection.cursor()
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        finally:
            cursor.close()
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def alembic_config(database_url: str) -> Any:
    """An Alembic ``Config`` for our migrations, pointed at ``database_url`` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    """Run ``alembic upgrade <revision>`` on ``database_url`` (the only way the schema is made)."""
    from alembic import command

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        _create_private(Path(url.database))  # a new database file is 0600 from birth, as are its WAL files
        _set_wal(Path(url.database))  # once, before any app connection: none of them then has to convert the file
    command.upgrade(alembic_config(database_url), revision)


def _set_wal(path: Path) -> None:
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None)
    try:
        _ensure_wal(conn)
    finally:
        conn.close()


def downgrade(database_url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def schema_revision(engine: Engine) -> str | None:
    """The database's Alembic revision (None when it was never migrated)."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def require_current_schema(engine: Engine) -> None:
    """Raise ConfigurationError with the fix when the database is not migrated to the latest revision."""
    from novamind_core.domain.errors import ConfigurationError

    current = schema_revision(engine)
    if current != head_revision():
        state = "has no schema" if current is None else f"is at revision {current}"
        raise ConfigurationError(f"NOVAMIND_DATABASE_URL: the database {state}; run `python -m novamind_core migrate`")
