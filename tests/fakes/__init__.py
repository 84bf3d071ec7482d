"""Test doubles: a movable clock, a counting cipher, an SQL statement counter and (in ``tests.fakes.uow``) an
in-memory unit of work with fake repositories for service tests that need no database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event


class MutableClock:
    """A clock tests can move: ``clock()`` returns the current (aware) time."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


class CountingCipher:
    """Wraps a FieldCipher and counts decryptions (to prove a caseload page decrypts only its rows)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.decrypted = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def decrypt(self, token: str | None) -> str | None:
        self.decrypted += 1
        return self.inner.decrypt(token)

    def decrypt_bytes(self, token: bytes) -> bytes:
        self.decrypted += 1
        return self.inner.decrypt_bytes(token)


@contextmanager
def count_statements(engine: Any) -> Iterator[list[str]]:
    """Collect the SQL statements run on ``engine`` inside the block."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
