"""User accounts (staff; not PHI)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from novamind_core.db.models import CareTeamRow, UserRow
from novamind_core.domain.errors import NotFoundError
from novamind_core.domain.users import Role, User
from novamind_core.domain.records import UserAccount


class UserRepository:
    def __init__(self, session: Session):
        self.session = session

    def row(self, user_id: int) -> UserRow:
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise NotFoundError(f"user {user_id} does not exist")
        return row

    def row_by_username(self, username: str, *, for_update: bool = False) -> UserRow | None:
        """The user row; ``for_update`` locks it (PostgreSQL) so parallel sign-ins count failures one at a time."""
        stmt = select(UserRow).where(UserRow.username == username.strip().lower())
        return self.session.scalar(stmt.with_for_update() if for_update else stmt)

    def add(self, username: str, display_name: str, role: Role, password_hash: str, now: datetime) -> UserRow:
        row = UserRow(username=username, display_name=display_name, role=role.value, active=True,
                      password_hash=password_hash, failed_attempts=0, created_at=now, password_changed_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def current(self, user_id: int) -> User | None:
        """The account as stored now (role and active flag), or None when it no longer exists."""
        row = self.session.get(UserRow, user_id)
        return None if row is None else self.to_user(row)

    @staticmethod
    def to_user(row: UserRow) -> User:
        return User(id=row.id, username=row.username, display_name=row.display_name, role=Role(row.role),
                    active=row.active)

    def account(self, row: UserRow, patient_count: int = 0) -> UserAccount:
        return UserAccount(id=row.id, username=row.username, display_name=row.display_name, role=row.role,
                           active=row.active, locked_until=row.locked_until, failed_attempts=row.failed_attempts,
                           created_at=row.created_at, last_sign_in_at=row.last_sign_in_at,
                           patient_count=patient_count)

    def list(self, include_inactive: bool = True) -> list[UserAccount]:
        stmt = select(CareTeamRow.user_id, func.count()).group_by(CareTeamRow.user_id)
        counts = {uid: n for uid, n in self.session.execute(stmt)}
        stmt = select(UserRow).order_by(UserRow.username)
        if not include_inactive:
            stmt = stmt.where(UserRow.active.is_(True))
        return [self.account(r, counts.get(r.id, 0)) for r in self.session.scalars(stmt)]

    def names(self, user_ids: list[int] | tuple[int, ...]) -> dict[int, str]:
        if not user_ids:
            return {}
        stmt = select(UserRow.id, UserRow.display_name).where(UserRow.id.in_(list(user_ids)))
        return {uid: name for uid, name in self.session.execute(stmt)}

    def roles(self, user_ids: list[int] | tuple[int, ...]) -> dict[int, tuple[str, bool]]:
        if not user_ids:
            return {}
        stmt = select(UserRow.id, UserRow.role, UserRow.active).where(UserRow.id.in_(user_ids))
        return {uid: (role, active) for uid, role, active in self.session.execute(stmt)}
