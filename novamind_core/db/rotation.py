"""Key rotation: re-encrypt every encrypted column under the newest key, in batches, resumable.

Each batch of rows (by primary key) is its own transaction: raw tokens are read without decryption
(``type_coerce`` to the storage type), tokens already under the newest key are skipped (``FieldCipher.is_current``),
the others are re-encrypted with ``FieldCipher.rotate`` and written back raw. An interrupted run is resumed by simply
running it again; a run over a fully rotated database changes nothing (idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, Table, Text, bindparam, select, type_coerce, update
from sqlalchemy.engine import Engine

from novamind_core.db.models import Base
from novamind_core.db.types import ENCRYPTED_TYPES, EncryptedBytes
from novamind_core.security.crypto import FieldCipher


@dataclass(frozen=True)
class EncryptedColumns:
    table: Table
    pk: str
    columns: tuple[str, ...]


def encrypted_columns() -> list[EncryptedColumns]:
    """Every table with encrypted columns, found from the models (a new encrypted column is rotated too)."""
    out = []
    for table in Base.metadata.sorted_tables:
        cols = tuple(c.name for c in table.columns if isinstance(c.type, ENCRYPTED_TYPES))
        if cols:
            pk = [c.name for c in table.primary_key.columns]
            out.append(EncryptedColumns(table, pk[0], cols))
    return out


@dataclass
class RotationCounts:
    rows: int = 0
    rotated: int = 0
    current: int = 0


def _storage(col: Any) -> Any:
    return LargeBinary() if isinstance(col.type, EncryptedBytes) else Text()


def rotate_table(engine: Engine, cipher: FieldCipher, spec: EncryptedColumns, batch_size: int,
                 on_batch: Callable[[str, int], None] | None = None) -> RotationCounts:
    counts = RotationCounts()
    table = spec.table
    pk = table.c[spec.pk]
    raw_cols = [type_coerce(table.c[c], _storage(table.c[c])).label(c) for c in spec.columns]
    last: Any = None
    while True:
        with engine.begin() as conn:
            stmt = select(pk, *raw_cols).order_by(pk).limit(batch_size)
            if last is not None:
                stmt = stmt.where(pk > last)
            rows = conn.execute(stmt).all()
            if not rows:
                break
            updates = []
            for row in rows:
                counts.rows += 1
                changed: dict[str, Any] = {}
                for name in spec.columns:
                    token = row._mapping[name]
                    if token is None:
                        continue
                    is_bytes = isinstance(token, bytes | memoryview)
                    text = bytes(token).decode("ascii") if is_bytes else token
                    if cipher.is_current(text):
                        counts.current += 1
                        continue
                    new = cipher.rotate(text)
                    changed[name] = new.encode("ascii") if is_bytes else new
                    counts.rotated += 1
                if changed:
                    updates.append((row[0], changed))
            for key, changed in updates:
                values = {name: type_coerce(bindparam(f"v_{name}"), _storage(table.c[name])) for name in changed}
                conn.execute(update(table).where(pk == bindparam("k")).values(**values),
                             {"k": key, **{f"v_{n}": v for n, v in changed.items()}})
            last = rows[-1][0]
        if on_batch:
            on_batch(table.name, len(rows))
    return counts


def rotate_all(engine: Engine, cipher: FieldCipher, batch_size: int = 500,
               on_batch: Callable[[str, int], None] | None = None) -> Iterator[tuple[str, RotationCounts]]:
    for spec in encrypted_columns():
        yield spec.table.name, rotate_table(engine, cipher, spec, batch_size, on_batch)
