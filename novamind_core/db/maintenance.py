"""Work on the database as a whole, for the administrator: health probe, encryption-key status, key rotation.

:class:`DatabaseMaintenance` is built by the composition root (``novamind_core.bootstrap``) over the engine and the
field cipher and handed to the admin and key services, which see only the report types of
:mod:`novamind_core.domain.administration` (the protocol is ``services.ports.DatabaseMaintenance``). Every method
runs on its own connections, outside the calling service's transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import LargeBinary, Text, func, inspect, select, text, type_coerce
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from novamind_core.db.engine import head_revision
from novamind_core.db.models import AuditRow, PatientRow, UserRow
from novamind_core.db.rotation import encrypted_columns, rotate_all
from novamind_core.db.types import EncryptedBytes
from novamind_core.domain.administration import DatabaseProbe, KeyRotationStatus, TableKeyStatus
from novamind_core.domain.records import RotationReport
from novamind_core.security.crypto import FieldCipher

KEY_SCAN_BATCH = 1000
"""Rows read per query while counting values under older keys."""


class DatabaseMaintenance:
    """Health, key status and key rotation for the database at ``database_url``, through ``engine``."""

    def __init__(self, engine: Engine, cipher: FieldCipher, database_url: str):
        self.engine = engine
        self.cipher = cipher
        self.database_url = database_url

    # ------------------------------------------------------------------ health
    @property
    def backend(self) -> str:
        return make_url(self.database_url).get_backend_name()

    @property
    def key_count(self) -> int:
        return int(self.cipher.key_count)

    def data_dir(self, default: Path) -> Path:
        """The folder holding a SQLite database file; ``default`` (the app's data folder) for other backends."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).resolve().parent
        return default

    @staticmethod
    def head_revision() -> str:
        """The newest Alembic revision the code knows."""
        return head_revision()

    def probe(self) -> DatabaseProbe:
        """Round trip, schema revision and row counts, in one read transaction; an unreachable database (or a file
        that is not one) gives ``reachable=False`` instead of an exception."""
        try:
            with self.engine.connect() as conn:
                t0 = time.perf_counter()
                conn.execute(select(1)).scalar()
                latency = (time.perf_counter() - t0) * 1000.0
                counts = [int(conn.scalar(select(func.count()).select_from(model)) or 0)
                          for model in (UserRow, PatientRow, AuditRow)]
                revision = (conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                            if inspect(conn).has_table("alembic_version") else None)
        except SQLAlchemyError:
            return DatabaseProbe(self.backend, reachable=False)
        return DatabaseProbe(self.backend, True, round(latency, 2), revision, *counts)

    # ------------------------------------------------------------------ keys
    def key_status(self) -> KeyRotationStatus:
        """Count, per table, the encrypted values not yet under the newest key (raw tokens, read-only, in batches).

        A value is current when the newest key alone authenticates it (:meth:`FieldCipher.is_current`)."""
        tables = []
        for spec in encrypted_columns():
            table = spec.table
            pk = table.c[spec.pk]
            cols = [type_coerce(table.c[c], LargeBinary() if isinstance(table.c[c].type, EncryptedBytes) else Text())
                    .label(c) for c in spec.columns]
            values = current = 0
            last: object = None
            with self.engine.connect() as conn:
                while True:
                    stmt = select(pk, *cols).order_by(pk).limit(KEY_SCAN_BATCH)
                    if last is not None:
                        stmt = stmt.where(pk > last)
                    rows = conn.execute(stmt).all()
                    if not rows:
                        break
                    for row in rows:
                        for token in row[1:]:
                            if token is None:
                                continue
                            value = bytes(token).decode("ascii") if isinstance(token, bytes | memoryview) else token
                            values += 1
                            current += bool(self.cipher.is_current(value))
                    last = rows[-1][0]
            tables.append(TableKeyStatus(table.name, values, current))
        return KeyRotationStatus(self.key_count, tuple(tables))

    def rotate(self, batch_size: int, on_batch: Callable[[str, int], None] | None = None) -> RotationReport:
        """Re-encrypt every value under the newest key, ``batch_size`` rows per transaction (resumable)."""
        per_table: dict[str, int] = {}
        rows = rotated = current = 0
        for table, counts in rotate_all(self.engine, self.cipher, batch_size, on_batch):
            per_table[table] = counts.rotated
            rows += counts.rows
            rotated += counts.rotated
            current += counts.current
        return RotationReport(rows, rotated, current, per_table, complete=True)
