"""Column types that encrypt PHI at the type level, so no repository can forget to.

The :class:`FieldCipher` is attached to the engine's dialect when the engine is built (:func:`attach_cipher`); a type
decorator finds it through the ``dialect`` argument SQLAlchemy passes to every bind and result conversion. Two engines
in one process (SQLite and PostgreSQL in the tests, or old and new keys) therefore never share a cipher by accident,
and an engine built without a cipher refuses to write PHI rather than writing plaintext.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from novamind_core.domain.errors import ConfigurationError

_ATTR = "novamind_field_cipher"


def attach_cipher(engine: Engine, cipher: Any) -> None:
    """Give ``engine`` the cipher its encrypted columns use (``encrypt``/``decrypt`` and the ``*_bytes`` pair)."""
    setattr(engine.dialect, _ATTR, cipher)


def cipher_for(dialect: Dialect) -> Any:
    cipher = getattr(dialect, _ATTR, None)
    if cipher is None:
        raise ConfigurationError(
            "the database engine has no field cipher: build it with novamind_core.db.engine.create_engine_for "
            "(NOVAMIND_ENCRYPTION_KEYS must be set)"
        )
    return cipher


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token (MultiFernet, newest key first); ``None`` stays NULL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_for(dialect).encrypt(str(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_for(dialect).decrypt(value)


class EncryptedBytes(TypeDecorator[bytes]):
    """A binary column stored as a Fernet token (bytes)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return _as_bytes(cipher_for(dialect).encrypt_bytes(bytes(value)))

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return cipher_for(dialect).decrypt_bytes(bytes(value))


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document (sorted keys, compact) stored as an encrypted text token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_for(dialect).encrypt(json.dumps(value, sort_keys=True, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(cipher_for(dialect).decrypt(value))


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone; PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_bytes(token: bytes | str) -> bytes:
    return token.encode("ascii") if isinstance(token, str) else token


ENCRYPTED_TYPES = (EncryptedText, EncryptedBytes, EncryptedJSON)
