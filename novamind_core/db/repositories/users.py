"""Staff accounts (not PHI): lookups, sign-in counters, role and status changes, care-team membership.

Every method takes and returns domain objects (:class:`User`, :class:`UserAccount`, :class:`StoredCredentials`,
:class:`LoginCredential`, :class:`CareTeamMember`); the ORM rows stay inside this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from novamind_core.db.models import CareTeamRow, PatientRow, TraineeRow, UserRow
from novamind_core.domain.administration import CareTeamMember, LoginCredential, StoredCredentials
from novamind_core.domain.errors import NotFoundError
from novamind_core.domain.patients import PatientStatus
from novamind_core.domain.records import UserAccount
from novamind_core.domain.users import Role, User


def _user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name, role=Role(row.role),
                active=row.active)


def _account(row: UserRow, patient_count: int = 0, trainee: bool = False) -> UserAccount:
    return UserAccount(id=row.id, username=row.username, display_name=row.display_name, role=row.role,
                       active=row.active, locked_until=row.locked_until, failed_attempts=row.failed_attempts,
                       created_at=row.created_at, last_sign_in_at=row.last_sign_in_at, patient_count=patient_count,
                       trainee=trainee)


def _credentials(row: UserRow) -> StoredCredentials:
    return StoredCredentials(_user(row), row.password_hash, row.failed_attempts or 0, row.locked_until)


class UserRepository:
    def __init__(self, session: Session):
        self.session = session

    # ------------------------------------------------------------------ reads
    def _row(self, user_id: int) -> UserRow:
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise NotFoundError(f"user {user_id} does not exist")
        return row

    def _row_by_username(self, username: str, *, for_update: bool = False) -> UserRow | None:
        stmt = select(UserRow).where(UserRow.username == (username or "").strip().lower())
        return self.session.scalar(stmt.with_for_update() if for_update else stmt)

    def current(self, user_id: int) -> User | None:
        """The account as stored now (role and active flag), or None when it no longer exists."""
        row = self.session.get(UserRow, user_id)
        return None if row is None else _user(row)

    def find(self, username: str) -> User | None:
        """The user named ``username`` (case-insensitive), or None."""
        row = self._row_by_username(username)
        return None if row is None else _user(row)

    def get(self, user_id: int) -> UserAccount:
        """The account with its active patients on care team (:meth:`active_patient_counts`); NotFoundError when
        missing."""
        row = self._row(user_id)
        count = self.active_patient_counts(user_id).get(user_id, 0)
        return _account(row, count, self.session.get(TraineeRow, user_id) is not None)

    def credentials(self, username: str, *, for_update: bool = False) -> StoredCredentials | None:
        """The user with password hash and lockout counters; ``for_update`` locks the row (PostgreSQL) so
        parallel sign-ins count failures one at a time."""
        row = self._row_by_username(username, for_update=for_update)
        return None if row is None else _credentials(row)

    def credentials_of(self, user_id: int) -> StoredCredentials:
        return _credentials(self._row(user_id))

    def active_patient_counts(self, user_id: int | None = None) -> dict[int, int]:
        """``{user_id: n}``: *active* patients (not discharged) on each user's care team, the same patients the
        user's caseload lists by default (status "active"); one statement. The one count behind
        ``UserAccount.patient_count`` (Admin → Users, ``novamind users list``)."""
        stmt = (select(CareTeamRow.user_id, func.count(func.distinct(CareTeamRow.patient_id)))
                .join(PatientRow, PatientRow.id == CareTeamRow.patient_id)
                .where(PatientRow.status == PatientStatus.ACTIVE.value).group_by(CareTeamRow.user_id))
        if user_id is not None:
            stmt = stmt.where(CareTeamRow.user_id == user_id)
        return {int(uid): int(n) for uid, n in self.session.execute(stmt)}

    def list(self, include_inactive: bool = True) -> list[UserAccount]:
        counts = self.active_patient_counts()
        stmt = select(UserRow).order_by(UserRow.username)
        if not include_inactive:
            stmt = stmt.where(UserRow.active.is_(True))
        trainees = set(self.session.scalars(select(TraineeRow.user_id)))
        return [_account(r, counts.get(r.id, 0), r.id in trainees) for r in self.session.scalars(stmt)]

    def login_credentials(self) -> tuple[LoginCredential, ...]:
        """Every *active* account with its password hash, by username."""
        rows = self.session.execute(select(UserRow.username, UserRow.display_name, UserRow.password_hash,
                                           UserRow.role).where(UserRow.active.is_(True))
                                    .order_by(UserRow.username)).all()
        return tuple(LoginCredential(u, n, h, r) for u, n, h, r in rows)

    def names(self, user_ids: Sequence[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        stmt = select(UserRow.id, UserRow.display_name).where(UserRow.id.in_(list(user_ids)))
        return {uid: name for uid, name in self.session.execute(stmt)}

    def roles(self, user_ids: Sequence[int]) -> dict[int, tuple[str, bool]]:
        """``{user id: (role, active)}`` for the ids that exist."""
        if not user_ids:
            return {}
        stmt = select(UserRow.id, UserRow.role, UserRow.active).where(UserRow.id.in_(list(user_ids)))
        return {uid: (role, active) for uid, role, active in self.session.execute(stmt)}

    def care_team_members(self, patient_id: int) -> tuple[CareTeamMember, ...]:
        """The staff on a patient's care team, by username (no patient data)."""
        rows = self.session.execute(select(UserRow.id, UserRow.username, UserRow.display_name, UserRow.role,
                                           UserRow.active)
                                    .join(CareTeamRow, CareTeamRow.user_id == UserRow.id)
                                    .where(CareTeamRow.patient_id == patient_id).order_by(UserRow.username)).all()
        return tuple(CareTeamMember(*r) for r in rows)

    # ------------------------------------------------------------------ writes
    def add(self, username: str, display_name: str, role: Role, password_hash: str, now: datetime) -> UserAccount:
        row = UserRow(username=username, display_name=display_name, role=role.value, active=True,
                      password_hash=password_hash, failed_attempts=0, created_at=now, password_changed_at=now)
        self.session.add(row)
        self.session.flush()
        return _account(row)

    def update(self, user_id: int, *, role: Role | None = None, active: bool | None = None,
               password_hash: str | None = None, password_changed_at: datetime | None = None,
               clear_lockout: bool = False) -> None:
        """Change the named fields of an account (others stay); ``clear_lockout`` zeroes the failure count and
        lifts a lock. NotFoundError when the account does not exist."""
        row = self._row(user_id)
        if role is not None:
            row.role = role.value
        if active is not None:
            row.active = active
        if password_hash is not None:
            row.password_hash = password_hash
            row.password_changed_at = password_changed_at
        if clear_lockout:
            row.failed_attempts, row.locked_until = 0, None
        self.session.flush()

    def record_sign_in_attempt(self, user_id: int, *, failed_attempts: int, locked_until: datetime | None,
                               signed_in_at: datetime | None = None) -> None:
        """Store the failure count and lock after a sign-in attempt (and the time of a successful one)."""
        row = self._row(user_id)
        row.failed_attempts, row.locked_until = failed_attempts, locked_until
        if signed_in_at is not None:
            row.last_sign_in_at = signed_in_at
        self.session.flush()
