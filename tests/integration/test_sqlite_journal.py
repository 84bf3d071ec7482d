"""SQLite's write-ahead log: set once by the migration, and never a 'database is locked' on the first connections.

Converting a rollback-journal file to WAL upgrades a read lock to a write lock, and SQLite refuses that upgrade at once
(no busy wait) while another connection reads. Two app processes (or the app and the notification worker) opening the
file at the same moment could therefore fail their first request; CI saw it once in 3,217 tests.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from novamind_core.db.engine import create_engine_for, migrate


def _journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def test_a_migrated_sqlite_file_is_already_in_wal_mode_so_no_app_connection_has_to_convert_it(tmp_path):
    path = tmp_path / "novamind.db"
    migrate(f"sqlite:///{path}")
    assert _journal_mode(path) == "wal"


def test_a_connection_that_must_convert_the_file_waits_for_another_converter_instead_of_failing(tmp_path):
    path = tmp_path / "old.db"
    legacy = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    legacy.execute("CREATE TABLE t (x INTEGER)")
    legacy.execute("INSERT INTO t VALUES (1)")
    assert str(legacy.execute("PRAGMA journal_mode").fetchone()[0]) == "delete"
    legacy.execute("BEGIN IMMEDIATE")  # another process mid-conversion (or mid-write): holds SQLite's RESERVED lock
    release = threading.Timer(0.5, lambda: legacy.execute("COMMIT"))
    release.start()
    engine = create_engine_for(f"sqlite:///{path}", cipher=None)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM t")).scalar() == 1
    finally:
        release.join()
        engine.dispose()
        legacy.close()
    assert _journal_mode(path) == "wal"
