"""Fake repositories for users and the audit log (in memory, same domain types as the SQLAlchemy ones)."""

from __future__ import annotations

from novamind_core.domain.users import User
from novamind_core.security.audit import AuditRecord


class FakeUserRepository:
    """Staff accounts by id."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}

    def put(self, user: User) -> User:
        """Test setup: store ``user`` as it would be after sign-up."""
        self.users[user.id] = user
        return user

    def current(self, user_id: int) -> User | None:
        return self.users.get(user_id)


class FakeAuditRepository:
    """Appends records in order; no hash chain (the chain is tested on the real repository)."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, record: AuditRecord) -> str:
        self.records.append(record)
        return f"fake-{len(self.records)}"

    def actions(self) -> list[str]:
        """The audited actions in order (test helper)."""
        return [r.action for r in self.records]
