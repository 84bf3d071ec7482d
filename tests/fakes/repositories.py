"""Fake repositories for users and the audit log, and a fake database-maintenance port (in memory, same domain
types in and out as ``novamind_core/db/repositories/users.py``, ``audit.py`` and ``db/maintenance.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from novamind_core.domain.administration import (
    AuditFilter,
    CareTeamMember,
    ChainedAuditEntry,
    DatabaseProbe,
    KeyRotationStatus,
    LoginCredential,
    StoredCredentials,
    TableKeyStatus,
)
from novamind_core.domain.errors import NotFoundError
from novamind_core.domain.records import AuditEntry, RotationReport, UserAccount
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditRecord, ChainVerification

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class StoredUser:
    """One account as the fake "database" holds it."""

    user: User
    password_hash: str = ""
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = EPOCH
    last_sign_in_at: datetime | None = None
    password_changed_at: datetime | None = None


class FakeUserRepository:
    """Staff accounts by id; ``teams`` maps a patient id to its care team's user ids (set by tests)."""

    def __init__(self) -> None:
        self.users: dict[int, StoredUser] = {}
        self.teams: dict[int, list[int]] = {}

    # ------------------------------------------------------------------ test setup
    def put(self, user: User, password_hash: str = "") -> User:
        """Store ``user`` (with ``password_hash``) as it would be after sign-up."""
        self.users[user.id] = StoredUser(user, password_hash)
        return user

    def stored(self, user_id: int) -> StoredUser:
        return self.users[user_id]

    # ------------------------------------------------------------------ reads
    def _get(self, user_id: int) -> StoredUser:
        if user_id not in self.users:
            raise NotFoundError(f"user {user_id} does not exist")
        return self.users[user_id]

    def _by_name(self, username: str) -> StoredUser | None:
        name = (username or "").strip().lower()
        return next((s for s in self.users.values() if s.user.username == name), None)

    def _account(self, s: StoredUser) -> UserAccount:
        patients = sum(s.user.id in team for team in self.teams.values())
        return UserAccount(s.user.id, s.user.username, s.user.display_name, s.user.role.value, s.user.active,
                           s.locked_until, s.failed_attempts, s.created_at, s.last_sign_in_at, patients)

    def current(self, user_id: int) -> User | None:
        s = self.users.get(user_id)
        return None if s is None else s.user

    def find(self, username: str) -> User | None:
        s = self._by_name(username)
        return None if s is None else s.user

    def get(self, user_id: int) -> UserAccount:
        return self._account(self._get(user_id))

    def credentials(self, username: str, *, for_update: bool = False) -> StoredCredentials | None:
        s = self._by_name(username)
        return None if s is None else StoredCredentials(s.user, s.password_hash, s.failed_attempts, s.locked_until)

    def credentials_of(self, user_id: int) -> StoredCredentials:
        s = self._get(user_id)
        return StoredCredentials(s.user, s.password_hash, s.failed_attempts, s.locked_until)

    def list(self, include_inactive: bool = True) -> list[UserAccount]:
        chosen = [s for s in self.users.values() if include_inactive or s.user.active]
        return [self._account(s) for s in sorted(chosen, key=lambda s: s.user.username)]

    def login_credentials(self) -> tuple[LoginCredential, ...]:
        return tuple(LoginCredential(s.user.username, s.user.display_name, s.password_hash, s.user.role.value)
                     for s in sorted(self.users.values(), key=lambda s: s.user.username) if s.user.active)

    def names(self, user_ids: Sequence[int]) -> dict[int, str]:
        return {i: self.users[i].user.display_name for i in user_ids if i in self.users}

    def roles(self, user_ids: Sequence[int]) -> dict[int, tuple[str, bool]]:
        return {i: (self.users[i].user.role.value, self.users[i].user.active) for i in user_ids if i in self.users}

    def care_team_members(self, patient_id: int) -> tuple[CareTeamMember, ...]:
        members = [self.users[i].user for i in self.teams.get(patient_id, []) if i in self.users]
        return tuple(CareTeamMember(u.id, u.username, u.display_name, u.role.value, u.active)
                     for u in sorted(members, key=lambda u: u.username))

    # ------------------------------------------------------------------ writes
    def add(self, username: str, display_name: str, role: Role, password_hash: str, now: datetime) -> UserAccount:
        new_id = max(self.users, default=0) + 1
        self.users[new_id] = StoredUser(User(new_id, username, display_name, role), password_hash,
                                        created_at=now, password_changed_at=now)
        return self.get(new_id)

    def update(self, user_id: int, *, role: Role | None = None, active: bool | None = None,
               password_hash: str | None = None, password_changed_at: datetime | None = None,
               clear_lockout: bool = False) -> None:
        s = self._get(user_id)
        if role is not None:
            s.user = replace(s.user, role=role)
        if active is not None:
            s.user = replace(s.user, active=active)
        if password_hash is not None:
            s.password_hash, s.password_changed_at = password_hash, password_changed_at
        if clear_lockout:
            s.failed_attempts, s.locked_until = 0, None

    def record_sign_in_attempt(self, user_id: int, *, failed_attempts: int, locked_until: datetime | None,
                               signed_in_at: datetime | None = None) -> None:
        s = self._get(user_id)
        s.failed_attempts, s.locked_until = failed_attempts, locked_until
        if signed_in_at is not None:
            s.last_sign_in_at = signed_in_at


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

    def _matching(self, where: AuditFilter) -> list[AuditEntry]:
        out = []
        for i, r in reversed(list(enumerate(self.records, start=1))):
            if (where.action and r.action != where.action) or (where.outcome and r.outcome != where.outcome) \
                    or (where.user_id is not None and r.user_id != where.user_id) \
                    or (where.patient_id is not None and r.patient_id != where.patient_id) \
                    or (where.since is not None and r.at < where.since) \
                    or (where.until is not None and r.at >= where.until):
                continue
            out.append(AuditEntry(i, r.at, r.user_id, r.username, str(r.role), r.action, r.patient_id, r.outcome,
                                  r.detail))
        return out

    def query(self, where: AuditFilter, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        return self._matching(where)[offset:offset + limit]

    def export(self, where: AuditFilter, *, limit: int) -> list[ChainedAuditEntry]:
        return [ChainedAuditEntry(e, f"fake-{e.id - 1}", f"fake-{e.id}") for e in self._matching(where)[:limit]]

    def verify(self) -> ChainVerification:
        return ChainVerification(True, len(self.records), None, "", f"fake-{len(self.records)}")


class FakeDatabaseMaintenance:
    """The database-maintenance port with canned answers: a reachable SQLite database at the head revision."""

    def __init__(self, *, reachable: bool = True, stale_values: int = 0) -> None:
        self.reachable = reachable
        self.stale_values = stale_values
        self.rotations = 0

    backend = "sqlite"
    key_count = 1

    def data_dir(self, default: Path) -> Path:
        return default

    def head_revision(self) -> str:
        return "head"

    def probe(self) -> DatabaseProbe:
        if not self.reachable:
            return DatabaseProbe(self.backend, reachable=False)
        return DatabaseProbe(self.backend, True, 0.5, "head", 3, 10, 100)

    def key_status(self) -> KeyRotationStatus:
        return KeyRotationStatus(self.key_count, (TableKeyStatus("patients", 40, 40 - self.stale_values),))

    def rotate(self, batch_size: int, on_batch: Callable[[str, int], None] | None = None) -> RotationReport:
        self.rotations += 1
        rotated, self.stale_values = self.stale_values, 0
        if on_batch:
            on_batch("patients", 40)
        return RotationReport(40, rotated, 40 - rotated, {"patients": rotated}, complete=True)
