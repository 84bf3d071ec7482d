"""Do the configured keys fit the data already stored? A well-formed key from another installation (or a wrong
blind-index key) would let the app write new rows that nothing else can read or find. In production the services
refuse to start when the oldest patient's MRN does not decrypt, or decrypts to a value whose search index differs
from the stored one."""

from __future__ import annotations

from typing import Any

from novamind_core.security.crypto import BlindIndexer, DecryptionError, FieldCipher


def stored_key_problems(engine: Any, cipher: FieldCipher, indexer: BlindIndexer) -> list[str]:
    """One line per key that does not fit the stored data (empty when they fit, or nothing is stored yet)."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("patients"):
                return []
            row = conn.execute(text("SELECT mrn, mrn_bidx FROM patients ORDER BY id LIMIT 1")).first()
    except SQLAlchemyError:
        return []  # an unreachable or unmigrated database is reported by the schema check, with its own fix
    if row is None:
        return []
    try:
        mrn = cipher.decrypt(row[0])
    except DecryptionError:
        return ["NOVAMIND_ENCRYPTION_KEYS: none of the configured keys decrypts the data already stored (a key "
                "from another installation, or the key that wrote it was removed); refusing to write under it"]
    if mrn is None or indexer.index(mrn, "mrn") != row[1]:
        return ["NOVAMIND_BLIND_INDEX_KEY: does not match the search indexes already stored (not the key that "
                "wrote them); refusing to write rows nobody could find"]
    return []
